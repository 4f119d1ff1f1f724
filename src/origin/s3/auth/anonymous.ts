import type { S3Principal, S3Request, S3Settings } from '../contract.ts';
import { accessDenied } from './auth-errors.ts';

/** An unsigned request: only a read (GET/HEAD) of a public-read bucket, as S3's public-read ACL allows. */
export function authenticateAnonymous(request: S3Request, settings: S3Settings): S3Principal {
  const read = request.method === 'GET' || request.method === 'HEAD';
  if (read && request.bucket !== undefined && settings.publicReadBuckets.has(request.bucket)) {
    return { accessKeyId: 'anonymous', payload: { kind: 'unsigned' } };
  }
  throw accessDenied();
}
