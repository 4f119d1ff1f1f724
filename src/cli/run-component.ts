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
  // A supervisor can die before this process has started; its disconnect would then go unheard
  // and the process would run on as an orphan, holding its port.
  let parentGone = false;
  const noteParentGone = () => (parentGone = true);
  process.once('disconnect', noteParentGone);
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
  process.off('disconnect', noteParentGone);
  if (parentGone) return stop();
  process.on('disconnect', stop);
}
