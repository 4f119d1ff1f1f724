import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

/**
 * An undici connector whose connections tolerate an unsolicited `100 Continue`.
 *
 * RFC 9110 section 15.2: a client must be able to parse any number of 1xx responses before the
 * final one, even unexpected ones, and may ignore them. undici 7 passes other 1xx responses to
 * `onInfo` but destroys the connection on a 100 ("bad response"), which turns an origin that says
 * 103 Early Hints, 100 Continue, 200 into a 502. This proxy never sends `Expect`, so a 100 is never
 * meaningful to it: each is removed from the bytes before undici's parser sees them.
 */
export function continueTolerantConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (target, callback) => {
    connect(target, (...args) => {
      const [error, socket] = args;
      if (error === null) skipUnsolicitedContinue(socket);
      callback(...args);
    });
  };
}

/** "HTTP/1.1 100" and the like: enough bytes to tell a response's status class. */
const STATUS_PREFIX_BYTES = 12;
/** An interim head longer than this is not looked into: it goes to the parser, which decides. */
const MAX_INTERIM_HEAD_BYTES = 64 * 1024;
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/1\.1\r\n/;
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Watches one connection: after each request head it writes (one request at a time, as undici's
 * pool does without pipelining), the 1xx heads that open the answer are looked at, 100s dropped,
 * others passed on; from the first final status line on, bytes pass untouched until the next request.
 */
function skipUnsolicitedContinue(socket: Socket): void {
  let atResponseStart = false;
  let pending: Buffer | undefined;
  const write = socket.write;
  // Overridden on this one socket: the request head is the only place where a response can start.
  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('latin1', 0, 8192) : '';
    if (REQUEST_LINE.test(text)) {
      atResponseStart = true;
      pending = undefined;
    }
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Socket['write'];

  const push = socket.push;
  // Node's net.Socket delivers every received chunk through push(): the one place to filter them.
  socket.push = function (this: Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (!atResponseStart || (chunk !== null && !Buffer.isBuffer(chunk))) return push.call(this, chunk, encoding);
    if (chunk === null) {
      // The connection ended: whatever was held back goes to the parser, which reports it.
      atResponseStart = false;
      if (pending?.length) push.call(this, pending);
      pending = undefined;
      return push.call(this, null);
    }
    let data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    let accepted = true;
    while (atResponseStart) {
      if (data.length < STATUS_PREFIX_BYTES) {
        pending = data;
        return accepted;
      }
      const status = /^HTTP\/1\.[01] (1\d\d)/.exec(data.toString('latin1', 0, STATUS_PREFIX_BYTES));
      if (!status) {
        atResponseStart = false;
        break;
      }
      const end = data.indexOf(HEAD_END);
      if (end < 0) {
        if (data.length > MAX_INTERIM_HEAD_BYTES) {
          atResponseStart = false;
          break;
        }
        pending = data;
        return accepted;
      }
      const head = data.subarray(0, end + HEAD_END.length);
      data = data.subarray(head.length);
      if (status[1] !== '100') accepted = push.call(this, head);
      if (data.length === 0) return accepted;
    }
    return push.call(this, data) && accepted;
  };
}
