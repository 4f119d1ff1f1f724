import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpServerTimeouts {
  /** A client must have sent its whole request head within this (slowloris defence). */
  headersTimeoutMs: number;
  /** ... and its whole request, body included, within this. */
  requestTimeoutMs: number;
}

/** How often Node looks for connections past those timeouts; its default (30 s) lets them run 3x over. */
const CHECK_EVERY_MS = 500;

/**
 * The one way cdnsim creates an HTTP server, so every component enforces the same client rules:
 * header and request timeouts checked twice a second, connections that never send a request
 * closed, and half-closed clients still answered.
 */
export function createHttpServer(listener: RequestListener, timeouts: HttpServerTimeouts): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(CHECK_EVERY_MS, timeouts.headersTimeoutMs),
    },
    listener,
  );
  // A client may send its request and then FIN (`nc -N`, shutdown(SHUT_WR)) and still want the
  // answer. Node's default (false) aborts the request instead; true answers, then closes. The
  // property is real (Node's _http_server reads it) but missing from @types/node.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  closeSilentConnections(server, timeouts.headersTimeoutMs);
  return server;
}

/**
 * Node times a request head from its first byte, so a connection that never sends one is held
 * for good (and after a response, keepAliveTimeout takes over). Give the first request head the
 * same bound from the moment the connection opens, as nginx's client_header_timeout does.
 */
function closeSilentConnections(server: Server, withinMs: number): void {
  const waiting = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), withinMs);
    timer.unref();
    waiting.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.on('request', (req: IncomingMessage) => {
    const timer = waiting.get(req.socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    waiting.delete(req.socket);
  });
}
