import path from 'node:path';
import { createHttpServer } from '../net/http-server.ts';
import { closeServer, listen } from '../net/listen.ts';
import { createRegistry } from '../metrics/registry.ts';
import { createOriginApp } from './app.ts';
import { labelOperation, originRequestMeter } from './metrics.ts';
import { serveSyntheticDirectly } from './synthetic-fast-path.ts';
import { ObjectStore } from './object-store.ts';
import { createS3Api } from './s3/api.ts';
import { createS3Authenticator } from './s3/auth/index.ts';
import { BucketStore } from './s3/bucket-store.ts';
import type { S3Authenticator, S3Request, S3Settings } from './s3/contract.ts';
import { UploadStore } from './s3/multipart/index.ts';
import { multipartHook } from './s3/multipart-hook.ts';
import { checkBucketName } from './s3/names.ts';
import { resolveS3Settings, type S3OriginConfig } from './s3/settings.ts';
import { PurgeOnWrite } from './s3/purge-on-write.ts';
import { PrefixRateLimiter } from './s3/request-rate.ts';

export interface OriginOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Largest PUT body; beyond it, 413. */
  maxObjectBytes: number;
  adminToken: string | undefined;
  id?: string;
  /** The S3 API's configuration (topology origin.s3); credentials default as resolveS3Settings says. */
  s3?: S3OriginConfig;
  /** Where a purgeOnWrite bucket's writes are purged (the router's URL); undefined while not known. */
  purgeTarget?: () => string | undefined;
  /** Replaces SigV4 verification (tests that exercise the API apart from auth). */
  s3Authenticator?: (settings: S3Settings) => S3Authenticator;
}

export interface RunningOrigin {
  port: number;
  url: string;
  store: ObjectStore;
  /** The S3 settings in force (the credentials the API accepts among them). */
  s3: S3Settings;
  /** True when no credential was configured and the well-known dev pair is in use. */
  s3DevCredential: boolean;
  close(): Promise<void>;
}

export async function startOrigin(options: OriginOptions): Promise<RunningOrigin> {
  const store = await ObjectStore.open(options.dataDir);
  const s3 = resolveS3Settings(options.s3);
  const buckets = await BucketStore.open(store);
  for (const name of s3.buckets) {
    checkBucketName(name);
    await buckets.create(name);
  }
  const uploads = await UploadStore.open(path.join(options.dataDir, 's3-multipart'));
  const registry = createRegistry();
  const meter = originRequestMeter(registry);
  const purgeBuckets = new Set((options.s3?.buckets ?? []).filter((bucket) => bucket.purgeOnWrite).map((bucket) => bucket.name));
  if (purgeBuckets.size > 0) {
    const purges = new PurgeOnWrite({ buckets: purgeBuckets, target: options.purgeTarget ?? (() => undefined), adminToken: options.adminToken, registry });
    buckets.onChange((bucket, key) => purges.changed(bucket, key));
  }
  const app = createOriginApp({
    id: options.id ?? 'origin',
    store,
    registry,
    meter,
    maxObjectBytes: options.maxObjectBytes,
    adminToken: options.adminToken,
  });
  const s3Api = createS3Api({
    buckets,
    settings: s3.settings,
    authenticator: (options.s3Authenticator ?? createS3Authenticator)(s3.settings),
    maxObjectBytes: options.maxObjectBytes,
    multipart: multipartHook(uploads, options.maxObjectBytes),
    labelOperation,
    ...(options.s3?.requestRateLimit ? { admit: rateLimiterOf(options.s3.requestRateLimit) } : {}),
  });
  const server = createHttpServer((req, res) => {
    if (serveSyntheticDirectly(req, res, meter)) return;
    // S3 requests are counted here; cdnsim's own are counted by the app's first middleware.
    if (s3Api(req, res, meter)) return;
    app(req, res);
  }, { headersTimeoutMs: 10_000, requestTimeoutMs: 300_000 });
  const port = await listen(server, options.port, options.host);
  return {
    port,
    url: `http://${options.host}:${port}`,
    store,
    s3: s3.settings,
    s3DevCredential: s3.devCredential,
    close: () => closeServer(server),
  };
}

function rateLimiterOf(limit: NonNullable<S3OriginConfig['requestRateLimit']>): (request: S3Request) => void {
  const limiter = new PrefixRateLimiter(limit);
  return (request) => limiter.admit(request);
}
