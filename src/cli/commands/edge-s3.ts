import { createRequestSigner } from '../../origin/s3/sign-request.ts';
import { DEV_CREDENTIAL, S3_ACCESS_KEY_ENV, S3_SECRET_KEY_ENV } from '../../origin/s3/settings.ts';
import type { S3OriginFront } from '../../edge/s3-origin.ts';
import { UsageError } from '../usage-error.ts';

/** S3's bucket naming rules, in short: the origin refuses a bad name anyway, this says so at start. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The edge's S3 origin from its flags: the bucket, and a SigV4 signer (as CloudFront's Origin
 * Access Control signs) with the key pair from the environment, the origin's dev pair without one.
 */
export function s3OriginFromFlags(
  flags: { bucket: string | undefined; region: string; anonymous: boolean },
  env: NodeJS.ProcessEnv = process.env,
): S3OriginFront | undefined {
  if (flags.bucket === undefined) {
    if (flags.anonymous) throw new UsageError('--origin-s3-anonymous needs --origin-s3-bucket');
    return undefined;
  }
  if (!BUCKET_NAME.test(flags.bucket)) throw new UsageError(`--origin-s3-bucket: "${flags.bucket}" is not an S3 bucket name`);
  if (flags.anonymous) return { bucket: flags.bucket };
  const accessKeyId = env[S3_ACCESS_KEY_ENV];
  const secretAccessKey = env[S3_SECRET_KEY_ENV];
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new UsageError(`set both ${S3_ACCESS_KEY_ENV} and ${S3_SECRET_KEY_ENV}, or neither`);
  }
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : DEV_CREDENTIAL;
  return { bucket: flags.bucket, signer: createRequestSigner({ credentials, region: flags.region }) };
}
