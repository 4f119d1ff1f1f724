import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpRequest } from 'node:http';
import { startOrigin, type OriginOptions, type RunningOrigin } from '../../src/origin/server.ts';
import { DEV_CREDENTIAL } from '../../src/origin/s3/settings.ts';

export const ADMIN_TOKEN = 's3-test-admin-token';

export interface S3Origin {
  origin: RunningOrigin;
  url: string;
  dataDir: string;
  /** @aws-sdk/client-s3 with its defaults (checksums on), path-style, signing with the origin's dev key pair. */
  client: S3Client;
  close(): Promise<void>;
}

/** A real origin on port 0 in a fresh data directory, and an S3 client for it. */
export async function startS3Origin(options: Partial<OriginOptions> = {}): Promise<S3Origin> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'cdnsim-s3-')));
  const origin = await startOrigin({
    port: 0,
    host: '127.0.0.1',
    maxObjectBytes: 64 * 1024 * 1024,
    adminToken: ADMIN_TOKEN,
    ...options,
    dataDir,
  });
  const client = s3ClientFor(origin.url);
  return {
    origin,
    url: origin.url,
    dataDir,
    client,
    close: async () => {
      client.destroy();
      await origin.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function s3ClientFor(url: string): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: DEV_CREDENTIAL,
    maxAttempts: 1,
  });
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One plain HTTP request (unsigned unless the caller signs it), for the cases an SDK will not
 * send. node:http sends the path exactly as given (no dot-segment normalisation, as URL parsers do).
 */
export function rawCall(
  url: string,
  method: string,
  pathname: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const body = options.body ?? '';
  // Chunked: no Content-Length, so the origin learns the size only by reading.
  const length = options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: hostname, port: Number(port), method, path: pathname, headers: { ...options.headers, ...length }, timeout: 10_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${pathname} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * A raw request signed with SigV4 (the body's SHA-256 signed), so a test can send what the SDK
 * would not (a malformed body, a virtual-hosted Host, a hand-made query) and still pass auth.
 * `pathname` goes out exactly as given, query included.
 */
export async function signedCall(
  url: string,
  method: string,
  pathname: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; host?: string; chunked?: boolean } = {},
): Promise<RawAnswer> {
  const target = new URL(url);
  const [pathOnly, queryText] = pathname.split('?', 2) as [string, string | undefined];
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(queryText ?? '')) query[name] = value;
  const body = options.body ?? '';
  const headers = { ...options.headers, host: options.host ?? target.host };
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: DEV_CREDENTIAL, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: target.hostname,
    port: Number(target.port),
    path: pathOnly,
    query,
    headers: { ...headers, 'x-amz-content-sha256': options.chunked ? 'UNSIGNED-PAYLOAD' : createHash('sha256').update(body).digest('hex') },
    body,
  });
  return rawCall(url, method, pathname, { headers: signed.headers as Record<string, string>, body, ...(options.chunked ? { chunked: true } : {}) });
}
