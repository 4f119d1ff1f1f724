import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/**
 * Whether tests that need `names` should run: always under CI (where .ci/run installs them, so a
 * missing binary fails loudly), otherwise only when installed, saying clearly when they skip.
 */
export function shouldRunWith(names: string[], installHint: string): boolean {
  const missing = names.filter((name) => !hasBinary(name));
  if (missing.length === 0 || process.env.CI) return true;
  console.warn(`SKIPPED: ${missing.join(', ')} not installed (${installHint}); CI installs and runs these tests.`);
  return false;
}

/** A port that was free a moment ago, for programs that cannot be told to take port 0 and report it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
