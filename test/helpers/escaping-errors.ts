// Run as a script: installs the process guard, lets an exception and a rejection escape, then
// prints the process's metrics and exits 0 if it is still alive to do so.
import { installProcessGuard } from '../../src/metrics/process-guard.ts';
import { createRegistry } from '../../src/metrics/registry.ts';

installProcessGuard('escaping-errors');
setTimeout(() => {
  throw new Error('thrown from a timer');
}, 10);
void Promise.reject(new Error('rejected with nobody listening'));
setTimeout(async () => {
  process.stdout.write(await createRegistry().metrics());
}, 100);
