import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { request } from 'undici';
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

/** One plain HTTP request (unsigned unless the caller signs it), for the cases an SDK will not send. */
export async function rawCall(
  url: string,
  method: string,
  pathname: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  const response = await request(`${url}${pathname}`, {
    method: method as 'GET',
    headers: options.headers,
    body: options.body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}
