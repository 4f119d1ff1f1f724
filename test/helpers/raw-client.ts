import { connect } from 'node:net';

export interface RawExchange {
  /** The status of the first final (non-1xx) response line, if one arrived. */
  status: number | undefined;
  bytes: number;
  /** How the exchange ended: the server closed, the socket failed, or nothing more came in time. */
  ended: 'closed' | 'error' | 'timeout';
  ms: number;
}

/**
 * Sends raw request bytes and reads until the server closes the connection, so a test sees
 * exactly what an HTTP library would refuse to send or would hide (interim responses, resets).
 */
export function rawExchange(url: string, request: Buffer | string, timeoutMs: number): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const socket = connect({ host: hostname, port: Number(port) });
    const finish = (ended: RawExchange['ended']) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: finalStatus(Buffer.concat(chunks).toString('latin1')), bytes, ended, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      // Only the heads matter; keep at most the first 64 KiB.
      if (bytes <= 64 * 1024) chunks.push(chunk);
    });
    socket.on('end', () => finish('closed'));
    socket.on('error', () => finish('error'));
  });
}

function finalStatus(text: string): number | undefined {
  for (const match of text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})/g)) {
    const status = Number(match[1]);
    if (status >= 200) return status;
  }
  return undefined;
}
