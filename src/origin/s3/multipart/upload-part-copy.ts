import { Readable } from 'node:stream';
import { S3Error, type S3Request } from '../contract.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { MAX_PART_BYTES } from './limits.ts';
import { entityTooLarge, headerOf, partNumberOf, requireBucket, requireUpload } from './lookups.ts';
import { isoDate, s3Document, unquote } from './xml.ts';

/** UploadPartCopy: a part whose bytes are (a range of) an existing object's, named by x-amz-copy-source. */
export async function uploadPartCopy(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  const partNumber = partNumberOf(request);
  const upload = await requireUpload(request, ctx);
  const source = copySourceOf(headerOf(request, 'x-amz-copy-source') ?? '');
  await requireBucket(ctx, source.bucket);
  const object = await ctx.objects.get(source.bucket, source.key);
  if (!object) throw new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: source.key });
  let range: { start: number; end: number };
  try {
    checkCopyConditions(request, object.etag);
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

/** "bucket/key" or "/bucket/key", percent-encoded, perhaps with ?versionId= (versions are not kept). */
function copySourceOf(header: string): { bucket: string; key: string } {
  const [path = ''] = header.split('?', 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, '');
  } catch {
    throw invalidCopySource();
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalidCopySource();
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

function invalidCopySource(): S3Error {
  return new S3Error('InvalidArgument', 400, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', {
    ArgumentName: 'x-amz-copy-source',
  });
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

/** x-amz-copy-source-if-match / -if-none-match against the source's ETag. */
function checkCopyConditions(request: S3Request, etag: string): void {
  const ifMatch = headerOf(request, 'x-amz-copy-source-if-match');
  const ifNoneMatch = headerOf(request, 'x-amz-copy-source-if-none-match');
  const current = unquote(etag);
  const names = (list: string) => list.split(',').map((entry) => unquote(entry.trim()));
  if (ifMatch !== undefined && !names(ifMatch).some((name) => name === '*' || name === current)) {
    throw new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: 'x-amz-copy-source-If-Match' });
  }
  if (ifNoneMatch !== undefined && names(ifNoneMatch).some((name) => name === '*' || name === current)) {
    throw new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: 'x-amz-copy-source-If-None-Match' });
  }
}
