import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * A test origin whose answer per path the test decides, counting and recording what reaches it,
 * so a test can see exactly which requests the edge sent on.
 */
export async function startScriptedOrigin() {
  const handlers = new Map<string, Handler>();
  const seen: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = handlers.get(path);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no handler\n');
      return;
    }
    void Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    on(path: string, handler: Handler) {
      handlers.set(path, handler);
    },
    count(path: string, method = 'GET') {
      return seen.filter((request) => request.url.split('?')[0] === path && request.method === method).length;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
