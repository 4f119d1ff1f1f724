import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { S3Error, type S3Principal, type S3Request, type S3Settings } from '../../src/origin/s3/contract.ts';
import { createS3Authenticator } from '../../src/origin/s3/auth/index.ts';

/**
 * A real HTTP server on port 0 that runs only the S3 authenticator: it resolves path-style
 * addressing, authenticates, reads PUT/POST bodies through openPayload and records what it decoded,
 * answering S3's XML error for an S3Error. The tests point real S3 clients at it.
 */

export interface Received {
  method: string;
  /** The request target as sent (path and query). */
  target: string;
  bucket: string | undefined;
  key: string | undefined;
  headers: IncomingHttpHeaders;
  principal: S3Principal;
  body: Buffer;
  checksums: Record<string, string>;
}

export interface AuthHarness {
  url: string;
  /** The time the authenticator is told it is (ms since the epoch); Date.now() unless set. */
  setClock(now: number | undefined): void;
  received: Received[];
  /** Every S3Error answered, in order (those raised while reading a body included). */
  errors: S3Error[];
  /** The last request's raw body bytes, as they came off the wire (aws-chunked framing included). */
  lastRawBody(): Buffer;
  close(): Promise<void>;
}

export const OBJECT_TEXT = 'hello from the harness';

function errorXml(error: S3Error, requestId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${value.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${error.message}</Message>${details}<RequestId>${requestId}</RequestId></Error>`;
}

function collect(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    body.on('data', (part: Buffer) => parts.push(part));
    body.once('end', () => resolve(Buffer.concat(parts)));
    body.once('error', reject);
  });
}

function toS3Request(req: IncomingMessage): S3Request {
  const url = new URL(req.url ?? '/', 'http://harness');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  return {
    raw: req,
    method: req.method ?? 'GET',
    bucket: bucket === '' ? undefined : decodeURIComponent(bucket),
    key: rest.length === 0 || rest.join('/') === '' ? undefined : decodeURIComponent(rest.join('/')),
    query: url.searchParams,
    headers: req.headers,
    addressing: 'path',
    requestId: 'harness-request',
  };
}

export async function startAuthHarness(settings: S3Settings): Promise<AuthHarness> {
  const authenticator = createS3Authenticator(settings);
  let clock: number | undefined;
  const received: Received[] = [];
  const errors: S3Error[] = [];
  let rawBody: Buffer[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    rawBody = [];
    req.on('data', (part: Buffer) => rawBody.push(part));
    const request = toS3Request(req);
    const principal = authenticator.authenticate(request, clock ?? Date.now());
    if (request.method === 'PUT' || request.method === 'POST') {
      const payload = authenticator.openPayload(request, principal);
      const body = await collect(payload.body);
      const checksums = await payload.checksums;
      received.push({ method: request.method, target: req.url ?? '/', bucket: request.bucket, key: request.key, headers: req.headers, principal, body, checksums });
      const echoed = Object.fromEntries(Object.entries(checksums).map(([algorithm, value]) => [`x-amz-checksum-${algorithm.toLowerCase()}`, value]));
      res.writeHead(200, { etag: '"harness"', ...echoed });
      res.end();
      return;
    }
    req.resume();
    received.push({ method: request.method, target: req.url ?? '/', bucket: request.bucket, key: request.key, headers: req.headers, principal, body: Buffer.alloc(0), checksums: {} });
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(OBJECT_TEXT), etag: '"harness"' });
    res.end(request.method === 'HEAD' ? undefined : OBJECT_TEXT);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof S3Error) {
        errors.push(error);
        // The body may still be coming: answer, then close rather than read the rest.
        res.writeHead(error.status, { 'content-type': 'application/xml', 'x-amz-request-id': 'harness-request', connection: 'close' });
        res.end(req.method === 'HEAD' ? undefined : errorXml(error, 'harness-request'));
        return;
      }
      res.writeHead(500, { connection: 'close' });
      res.end(String(error));
    });
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setClock: (now) => {
      clock = now;
    },
    received,
    errors,
    lastRawBody: () => Buffer.concat(rawBody),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface PlainAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly these headers (a Host of the test's choosing included), bounded in time. */
export function sendRaw(
  base: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<PlainAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method: options.method, path: options.path, headers: options.headers, timeout: 5000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('sendRaw timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The Code element of an S3 XML error body. */
export function errorCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}
