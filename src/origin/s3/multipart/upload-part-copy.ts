import { Readable } from 'node:stream';
import { S3Error, type S3Request } from '../contract.ts';
// One reading of x-amz-copy-source and its conditions for CopyObject and UploadPartCopy alike.
import { checkCopySourceConditions, parseCopySource } from '../operations/copy-source.ts';
import { s3Errors } from '../errors.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { MAX_PART_BYTES } from './limits.ts';
import { entityTooLarge, headerOf, partNumberOf, requireBucket, requireUpload } from './lookups.ts';
import { isoDate, s3Document } from './xml.ts';

/** UploadPartCopy: a part whose bytes are (a range of) an existing object's, named by x-amz-copy-source. */
export async function uploadPartCopy(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  const partNumber = partNumberOf(request);
  const upload = await requireUpload(request, ctx);
  const source = parseCopySource(request.headers['x-amz-copy-source']);
  await requireBucket(ctx, source.bucket);
  const object = await ctx.objects.get(source.bucket, source.key);
  if (!object) throw s3Errors.noSuchKey(source.key);
  let range: { start: number; end: number };
  try {
    checkCopySourceConditions(request.headers, object);
    range = rangeOf(headerOf(request, 'x-amz-copy-source-range'), object.size);
  } catch (error) {
    object.release();
    throw error;
  }
  const maxBytes = Math.min(MAX_PART_BYTES, ctx.maxObjectBytes);
  const length = range.end - range.start + 1;
  if (length > maxBytes) {
    object.release();
    throw entityTooLarge(maxBytes, length);
  }
  // An empty source has no byte to open; its part is empty too.
  const body = length === 0 ? emptyBody(object) : object.openBody(range.start, range.end);
  const part = await ctx.uploads.writePart(upload, partNumber, body, maxBytes, Promise.resolve({}));
  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body: s3Document('CopyPartResult', { ETag: part.etag, LastModified: isoDate(part.lastModified) }),
  };
}

function emptyBody(object: { release(): void }): Readable {
  object.release();
  return Readable.from([]);
}

/** x-amz-copy-source-range: "bytes=first-last", both given, within the source. */
function rangeOf(header: string | undefined, size: number): { start: number; end: number } {
  if (header === undefined) return { start: 0, end: size - 1 };
  const match = /^bytes=(\d+)-(\d+)$/.exec(header);
  if (!match) {
    throw new S3Error('InvalidArgument', 400, 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', {
      ArgumentName: 'x-amz-copy-source-range',
      ArgumentValue: header,
    });
  }
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (start > end || end >= size) {
    throw new S3Error('InvalidRange', 416, `The requested range is not satisfiable: the source object is ${size} bytes`, { RangeRequested: header });
  }
  return { start, end };
}
