import { Readable } from 'node:stream';
import { BodyTooLargeError } from '../../object-store.ts';
import { S3Error } from '../contract.ts';
import { s3Errors } from '../errors.ts';
import { checkObjectKey } from '../names.ts';
import { toXml } from '../xml.ts';
import { bucketOf, keyOf, sendXml, type S3OperationHandler } from './context.ts';
import { checkCopySourceConditions, parseCopySource } from './copy-source.ts';
import { storedHeadersFromMetadata, storedHeadersOf } from './object-headers.ts';
import { writePreconditionOf } from './write-conditions.ts';

/**
 * CopyObject: the source's bytes (read from the file it had when opened, so a concurrent
 * replacement cannot tear the copy) become the destination, with the source's stored headers
 * (x-amz-metadata-directive COPY, the default) or the request's (REPLACE).
 */
export const copyObject: S3OperationHandler = async (request, ctx) => {
  const bucket = bucketOf(request);
  const key = keyOf(request);
  checkObjectKey(key);
  ctx.buckets.keys(bucket);
  const directive = String(request.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw s3Errors.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  }
  const from = parseCopySource(request.headers['x-amz-copy-source']);
  if (from.bucket === bucket && from.key === key && directive === 'COPY') {
    throw new S3Error(
      'InvalidRequest',
      400,
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const headers = directive === 'REPLACE' ? storedHeadersOf(request.headers) : undefined;
  const precondition = writePreconditionOf(request.headers, key);
  const source = await ctx.buckets.get(from.bucket, from.key);
  if (!source) throw s3Errors.noSuchKey(from.key);
  let opened = false;
  let body: Readable | undefined;
  try {
    checkCopySourceConditions(request.headers, source);
    opened = source.size > 0;
    body = opened ? source.openBody(0, source.size - 1) : Readable.from([]);
    // A multipart object's checksums are of its parts; the copy is one part, so they do not carry over.
    const checksums = /-\d+"$/.test(source.etag) ? {} : (source.checksums ?? {});
    const meta = await ctx.buckets.put(bucket, key, headers ?? storedHeadersFromMetadata(source), body, ctx.maxObjectBytes, {
      etag: 'md5',
      ...(precondition ? { precondition } : {}),
      beforeCommit: async () => ({ checksums }),
    });
    sendXml(ctx.res, toXml('CopyObjectResult', { ETag: meta.etag, LastModified: new Date(meta.lastModified).toISOString() }));
  } catch (error) {
    // A write refused before it read the source (a precondition, say) must still close its file.
    body?.destroy();
    if (error instanceof BodyTooLargeError) throw s3Errors.entityTooLarge(ctx.maxObjectBytes);
    throw error;
  } finally {
    if (!opened) source.release();
  }
};
