import { buildConnector } from 'undici';

/**
 * A connector that closes any connection that has carried no request `unusedMs` after it opened.
 *
 * undici 7 has a bug (nodejs/undici#5845): aborting a request in flight puts it back in the queue
 * as pending, so the client opens a new connection for it, then drops the aborted request and
 * leaves that connection idle with no keep-alive timer. Every client that hangs up would leave
 * one such connection per edge until traffic happened to reuse it. A connection undici means to
 * use is written to the moment it opens, so one still unwritten after `unusedMs` is such a ghost;
 * closing it affects no request (nothing was sent on it), and the pool simply reconnects later.
 */
export function reapingConnector(options: buildConnector.BuildOptions, unusedMs: number): buildConnector.connector {
  const connect = buildConnector(options);
  return (connectOptions, callback) => {
    connect(connectOptions, (...args) => {
      const socket = args[1];
      if (socket) {
        const timer = setTimeout(() => {
          if (socket.bytesWritten === 0) socket.destroy();
        }, unusedMs);
        timer.unref();
        socket.once('close', () => clearTimeout(timer));
      }
      callback(...args);
    });
  };
}
