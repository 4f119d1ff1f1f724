import type { S3Credential, S3Settings } from './contract.ts';

/** The origin's S3 configuration, as topology.origin.s3 gives it. */
export interface S3OriginConfig {
  region?: string;
  credentials?: S3Credential[];
  buckets?: { name: string; publicRead?: boolean; purgeOnWrite?: boolean }[];
  /** Per-prefix request rates answered 503 SlowDown above them, as S3 does (on when present). */
  requestRateLimit?: { putPerSecond?: number; getPerSecond?: number };
}

export const S3_ACCESS_KEY_ENV = 'CDNSIM_S3_ACCESS_KEY_ID';
export const S3_SECRET_KEY_ENV = 'CDNSIM_S3_SECRET_ACCESS_KEY';

/**
 * The key pair a local origin accepts when none is configured, well known like MinIO's
 * minioadmin: so `aws --endpoint-url` works out of the box on one machine. Printed at start.
 */
export const DEV_CREDENTIAL: S3Credential = { accessKeyId: 'CDNSIMDEVACCESSKEY', secretAccessKey: 'cdnsim-dev-secret-access-key' };

/** S3's limit on a presigned URL's lifetime. */
const SEVEN_DAYS_SECONDS = 7 * 24 * 3600;

export interface ResolvedS3Settings {
  settings: S3Settings;
  /** Buckets to create at start if absent. */
  buckets: string[];
  /** True when the only credential is DEV_CREDENTIAL. */
  devCredential: boolean;
}

/** Topology first, then one credential from the environment; the dev pair when there is none. */
export function resolveS3Settings(config: S3OriginConfig | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedS3Settings {
  const credentials: S3Credential[] = [...(config?.credentials ?? [])];
  const accessKeyId = env[S3_ACCESS_KEY_ENV];
  const secretAccessKey = env[S3_SECRET_KEY_ENV];
  if (accessKeyId && secretAccessKey) credentials.push({ accessKeyId, secretAccessKey });
  const devCredential = credentials.length === 0;
  if (devCredential) credentials.push(DEV_CREDENTIAL);
  const buckets = config?.buckets ?? [];
  return {
    settings: {
      region: config?.region ?? 'us-east-1',
      credentials,
      publicReadBuckets: new Set(buckets.filter((bucket) => bucket.publicRead).map((bucket) => bucket.name)),
      maxPresignSeconds: SEVEN_DAYS_SECONDS,
    },
    buckets: buckets.map((bucket) => bucket.name),
    devCredential,
  };
}
