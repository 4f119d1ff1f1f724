import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** How a scripted raw response ends after its head. */
export type BodyEnding =
  /** The whole body, then the connection closes. */
  | { kind: 'whole' }
  /** Only the first `bytes` of the body, then a clean close (a short body). */
  | { kind: 'short'; bytes: number }
  /** The first `bytes`, then a TCP reset. */
  | { kind: 'reset'; bytes: number }
  /** The head, then nothing for `ms`, then a close. */
  | { kind: 'stall'; ms: number }
  /** No answer at all: the connection closes as soon as the request arrives. */
  | { kind: 'hang-up' };

export interface RawResponse {
  /** Everything before the body, sent byte for byte: status line(s) and header lines, CRLFs included. */
  head: Buffer;
  body: Buffer;
  ending: BodyEnding;
}

/**
 * An origin that answers each path with exactly the bytes a test scripts, valid HTTP or not, so an
 * edge can be shown duplicate, malformed and truncated responses that no HTTP library would send.
 * Every connection serves one request and closes, so a broken answer cannot leak into the next.
 */
export async function startRawOrigin() {
  const scripts = new Map<string, RawResponse>();
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) {
        if (received.length > 64 * 1024) socket.destroy();
        return;
      }
      socket.off('data', onData);
      // Any request body is left unread: the connection closes after this one answer anyway.
      socket.resume();
      requests++;
      const target = received.slice(0, received.indexOf('\r\n')).split(' ')[1] ?? '/';
      answer(socket, scripts.get(target.split('?')[0]!));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    script(path: string, response: RawResponse) {
      scripts.set(path, response);
    },
    get requests() {
      return requests;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(socket: Socket, response: RawResponse | undefined): void {
  if (!response) {
    socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    return;
  }
  const { head, body, ending } = response;
  switch (ending.kind) {
    case 'hang-up':
      socket.destroy();
      return;
    case 'whole':
      socket.end(Buffer.concat([head, body]));
      return;
    case 'short':
      socket.end(Buffer.concat([head, body.subarray(0, ending.bytes)]));
      return;
    case 'reset':
      socket.write(Buffer.concat([head, body.subarray(0, ending.bytes)]), () => socket.resetAndDestroy());
      return;
    case 'stall':
      socket.write(head);
      setTimeout(() => socket.destroy(), ending.ms).unref();
      return;
  }
}
