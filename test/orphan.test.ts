import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

const parent = fileURLToPath(new URL('./helpers/vanishing-parent.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How long the child outlives its parent (Infinity past `withinMs`); kills it then. */
async function orphanLifetimeMs(parentExitsAfterMs: number, args: string[], withinMs = 8_000): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', parent, String(parentExitsAfterMs), ...args], { timeout: 20_000 });
  const pid = Number(stdout.trim());
  const started = performance.now();
  while (alive(pid) && performance.now() - started < withinMs) await sleep(100);
  if (!alive(pid)) return performance.now() - started;
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
