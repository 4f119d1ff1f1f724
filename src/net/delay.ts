import { setTimeout as sleep } from 'node:timers/promises';

/** Node's timers count in signed 32-bit milliseconds; a longer one fires after 1 ms instead. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Waits the simulated network delay; no timer at all when the model is off. */
export function simulateDelay(ms: number, signal?: AbortSignal): Promise<void> | undefined {
  return ms > 0 ? sleep(Math.min(ms, LONGEST_TIMER_MS), undefined, { signal }) : undefined;
}
