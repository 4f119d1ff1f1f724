import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A port that could not be bound, named so the supervisor and the user see which one. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(`port ${port} on ${host} is already in use`);
    this.name = 'PortInUseError';
  }
}

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, host) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  return (server.address() as AddressInfo).port;
}

export interface ListeningMessage {
  type: 'listening';
  port: number;
}

export interface StartFailedMessage {
  type: 'start-failed';
  reason: string;
  port?: number;
}

export type ChildMessage = ListeningMessage | StartFailedMessage;

/** Tells a supervising parent (if any) which port this process really got. */
export function announce(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

/** Closes idle keep-alive sockets too, so shutdown does not wait for clients to hang up. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
