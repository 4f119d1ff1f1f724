/**
 * A supervisor that dies early: spawns `cdnsim <args>` as the supervisor does (piped output, an
 * IPC channel), prints the child's pid, and exits after `afterMs` without stopping it.
 *   node --import tsx test/helpers/vanishing-parent.ts AFTER_MS ARGS...
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [afterMs, ...args] = process.argv.slice(2);
const bin = fileURLToPath(new URL('../../bin/cdnsim.js', import.meta.url));
const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
child.stdout!.resume();
child.stderr!.resume();
console.log(child.pid);
setTimeout(() => process.exit(0), Number(afterMs));
