import { setTimeout as sleep } from 'node:timers/promises';

/** Waits the simulated network delay; no timer at all when the model is off. */
export function simulateDelay(ms: number): Promise<void> | undefined {
  return ms > 0 ? sleep(ms) : undefined;
}
