import { BodyTooLargeError } from '../../object-store.ts';
import { s3Errors } from '../errors.ts';
import { checkObjectKey } from '../names.ts';
import { bucketOf, keyOf, type S3OperationContext, type S3OperationHandler } from './context.ts';
import { storedHeadersOf } from './object-headers.ts';
import { writePreconditionOf } from './write-conditions.ts';
import type { S3Request } from '../contract.ts';

/** The body's length as the client declared it: the decoded length of an aws-chunked upload. */
function declaredLength(request: S3Request): number | undefined {
  const decoded = Number(request.headers['x-amz-decoded-content-length'] ?? NaN);
  if (Number.isFinite(decoded)) return decoded;
  const length = Number(request.headers['content-length'] ?? NaN);
  return Number.isFinite(length) ? length : undefined;
}

/** Refuses, before a byte is read, a body declared larger than one object may be. */
export function refuseDeclaredTooLarge(request: S3Request, ctx: S3OperationContext): void {
  const declared = declaredLength(request);
  if (declared !== undefined && declared > ctx.maxObjectBytes) throw s3Errors.entityTooLarge(ctx.maxObjectBytes);
}

/**
 * PutObject: the body streams into a temp file (hashed with MD5 for S3's ETag) and becomes the
 * object only once it has ended and its checksums have been verified; a conditional write is
 * checked under the key's lock first. Whole or absent, as every write of the store.
 */
export const putObject: S3OperationHandler = async (request, ctx) => {
  const bucket = bucketOf(request);
  const key = keyOf(request);
  checkObjectKey(key);
  ctx.buckets.keys(bucket);
  refuseDeclaredTooLarge(request, ctx);
  const headers = storedHeadersOf(request.headers);
  const precondition = writePreconditionOf(request.headers, key);
  const payload = ctx.openPayload();
  // Awaited in beforeCommit; a rejection before then must not go unhandled.
  payload.checksums.catch(() => undefined);
  try {
    const meta = await ctx.buckets.put(bucket, key, headers, payload.body, ctx.maxObjectBytes, {
      etag: 'md5',
      ...(precondition ? { precondition } : {}),
      beforeCommit: async () => ({ checksums: await payload.checksums }),
    });
    ctx.res.setHeader('ETag', meta.etag);
    for (const [algorithm, value] of Object.entries(meta.checksums ?? {})) {
      ctx.res.setHeader(`x-amz-checksum-${algorithm.toLowerCase()}`, value);
    }
    ctx.res.statusCode = 200;
    ctx.res.end();
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw s3Errors.entityTooLarge(ctx.maxObjectBytes);
    throw error;
  }
};
