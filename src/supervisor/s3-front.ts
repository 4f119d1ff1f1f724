import { resolveS3Settings, S3_ACCESS_KEY_ENV, S3_SECRET_KEY_ENV, type S3OriginConfig } from '../origin/s3/settings.ts';

/** What the built-in origin is told: origin.s3, with the bucket the edges front among those made at start. */
export function originS3Config(s3: S3OriginConfig & { bucket?: string }): S3OriginConfig {
  const { bucket, ...config } = s3;
  if (bucket === undefined || config.buckets?.some((entry) => entry.name === bucket)) return s3;
  return { ...s3, buckets: [...(config.buckets ?? []), { name: bucket }] };
}

/**
 * How edges read origin.s3.bucket: its flags, and the key pair they sign with (the origin's first
 * credential, as resolveS3Settings orders them) in their environment, never on a command line.
 */
export function edgeS3Access(
  s3: (S3OriginConfig & { bucket?: string }) | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { args: string[]; env: NodeJS.ProcessEnv } | undefined {
  if (s3?.bucket === undefined) return undefined;
  const { settings } = resolveS3Settings(s3, env);
  const credential = settings.credentials[0]!;
  return {
    args: ['--origin-s3-bucket', s3.bucket, '--origin-s3-region', settings.region],
    env: { [S3_ACCESS_KEY_ENV]: credential.accessKeyId, [S3_SECRET_KEY_ENV]: credential.secretAccessKey },
  };
}
