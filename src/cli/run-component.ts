import { installProcessGuard } from '../metrics/process-guard.ts';
import { PortInUseError, announce } from '../net/listen.ts';

/**
 * Runs one long-lived component (origin, edge or router) as this process: tells a supervising
 * parent its port, and stops cleanly on SIGINT, SIGTERM or when the parent goes away.
 */
export async function runComponent(
  label: string,
  start: () => Promise<{ port: number; url: string; close(): Promise<void> }>,
): Promise<void> {
  installProcessGuard(label);
  let running;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof PortInUseError) {
      console.error(`${label}: cannot listen: ${error.message}`);
      announce({ type: 'start-failed', reason: error.message, port: error.port });
      process.exit(3);
    }
    throw error;
  }
  announce({ type: 'listening', port: running.port });
  console.log(`${label} listening on ${running.url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // An orphan would hold its port and confuse the next start.
  process.on('disconnect', stop);
}
