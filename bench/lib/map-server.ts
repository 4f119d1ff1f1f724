import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The ceiling every cache is compared with: node:http answering from a Map, nothing else.
 * Run as its own process; prints its port on stdout.
 */
const objects = new Map<string, Buffer>([
  ['/1k', Buffer.alloc(1024, 97)],
  ['/100k', Buffer.alloc(100 * 1024, 98)],
]);
const server = createServer((req, res) => {
  const body = objects.get(req.url ?? '');
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'max-age=3600' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGTERM', () => process.exit(0));
