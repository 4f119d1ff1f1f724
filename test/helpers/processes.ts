import { ManagedChild } from '../../src/supervisor/child.ts';
import { waitHealthy } from '../../src/supervisor/health-wait.ts';

export const PROCESS_ADMIN_TOKEN = 'process-test-token';

/** Starts one cdnsim component as a real child process on a free port. */
export async function startProcess(role: 'edge' | 'origin', id: string, args: string[]): Promise<ManagedChild & { logs: string[] }> {
  const logs: string[] = [];
  const child = new ManagedChild(
    { role, id, region: 'test', port: 0, args: (port) => [role, '--id', id, '--port', String(port), ...args] },
    { env: { ...process.env, CDNSIM_ADMIN_TOKEN: PROCESS_ADMIN_TOKEN }, log: (line) => logs.push(line), prefixWidth: 8 },
  );
  await child.start();
  await waitHealthy(child.url);
  return Object.assign(child, { logs });
}

/** Whether a process with this pid still exists (signal 0 tests without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
