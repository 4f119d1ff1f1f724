import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive } from './helpers/processes.ts';

const parent = fileURLToPath(new URL('./helpers/vanishing-parent.ts', import.meta.url));

/** How long the child outlives its parent (Infinity past `withinMs`); kills it then. */
async function orphanLifetimeMs(parentExitsAfterMs: number, args: string[], withinMs = 8_000): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', parent, String(parentExitsAfterMs), ...args], { timeout: 20_000 });
  const pid = Number(stdout.trim());
  const started = performance.now();
  while (isAlive(pid) && performance.now() - started < withinMs) await sleep(100);
  if (!isAlive(pid)) return performance.now() - started;
  process.kill(pid, 'SIGKILL');
  return Infinity;
}

describe('a component whose supervisor dies', () => {
  it.each([
    ['while it is still starting', 50],
    ['after it has started', 3_000],
  ])('exits %s, instead of running on as an orphan', async (_when, afterMs) => {
    const lifetime = await orphanLifetimeMs(afterMs, ['edge', '--origin', 'http://127.0.0.1:9', '--port', '0', '--id', 'orphan']);
    expect(lifetime).toBeLessThan(8_000);
  }, 40_000);
});
