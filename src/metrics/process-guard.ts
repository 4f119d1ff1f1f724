import { Counter, type Registry } from 'prom-client';

/** Errors that reached the process level since it started; what cdn_process_uncaught_errors_total reports. */
let escapedErrors = 0;
let installed = false;

/**
 * Keeps a long-lived component (origin, edge, router) serving when an error escapes every
 * handler: it is logged and counted instead of ending the process. One bad request or origin
 * answer must not take every other client's connections down with it; the counter (and the log)
 * make each such escape a visible defect to fix rather than a silent one. Installed once per process.
 */
export function installProcessGuard(label: string): void {
  if (installed) return;
  installed = true;
  // With its output gone (a supervisor that died, `| head`), the log line for an error would
  // itself fail, be caught here and logged again, for ever at full CPU: nobody is listening, so stop.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(0);
    });
  }
  process.on('uncaughtException', (error, origin) => {
    escapedErrors++;
    console.error(`${label}: ${origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception'}, kept running:`, error);
  });
  process.on('unhandledRejection', (reason) => {
    escapedErrors++;
    console.error(`${label}: unhandled rejection, kept running:`, reason);
  });
}

/** Adds cdn_process_uncaught_errors_total to a process's registry. */
export function registerProcessGuardMetric(registry: Registry): void {
  new Counter({
    name: 'cdn_process_uncaught_errors_total',
    help: 'Errors that escaped every handler and were caught at the process level (logged; the process kept running).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(escapedErrors);
    },
  });
}
