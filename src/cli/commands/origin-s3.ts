import { originS3Schema, S3_CONFIG_ENV } from '../../topology/schema.ts';
import type { S3OriginConfig } from '../../origin/s3/settings.ts';
import { UsageError } from '../usage-error.ts';

/** The topology's origin.s3, as the supervisor passes it in CDNSIM_S3_CONFIG (JSON); undefined when unset. */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3OriginConfig | undefined {
  const text = env[S3_CONFIG_ENV];
  if (text === undefined || text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${S3_CONFIG_ENV} is not JSON: ${(error as Error).message}`);
  }
  const parsed = originS3Schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${S3_CONFIG_ENV}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
