import { S3Error, type S3Request } from '../contract.ts';
import { s3Errors } from '../errors.ts';
import type { MultipartContext } from './context.ts';
import { MAX_PART_NUMBER, MIN_PART_NUMBER } from './limits.ts';
import { noSuchUpload, type Upload } from './upload-store.ts';

/** The bucket and key a multipart request names (the dispatcher routes only such requests here). */
export function objectOf(request: S3Request): { bucket: string; key: string } {
  if (request.bucket === undefined || request.key === undefined) {
    throw new S3Error('InvalidRequest', 400, 'A multipart upload request must name a bucket and a key');
  }
  return { bucket: request.bucket, key: request.key };
}

export async function requireBucket(ctx: MultipartContext, bucket: string): Promise<void> {
  if (!(await ctx.objects.hasBucket(bucket))) throw s3Errors.noSuchBucket(bucket);
}

/** The upload the request's uploadId names, in progress for the request's bucket and key. */
export async function requireUpload(request: S3Request, ctx: MultipartContext): Promise<Upload> {
  const { bucket, key } = objectOf(request);
  await requireBucket(ctx, bucket);
  const uploadId = request.query.get('uploadId') ?? '';
  const upload = ctx.uploads.find(uploadId, bucket, key);
  if (!upload) throw noSuchUpload(uploadId);
  return upload;
}

export function partNumberOf(request: S3Request): number {
  const raw = request.query.get('partNumber') ?? '';
  const number = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(number >= MIN_PART_NUMBER && number <= MAX_PART_NUMBER)) {
    throw new S3Error('InvalidArgument', 400, `Part number must be an integer between ${MIN_PART_NUMBER} and ${MAX_PART_NUMBER}, inclusive`, {
      ArgumentName: 'partNumber',
      ArgumentValue: raw,
    });
  }
  return number;
}

/** A non-negative integer query parameter (a marker or a page size), or `fallback` when absent. */
export function integerParam(request: S3Request, name: string, fallback: number): number {
  const raw = request.query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,10}$/.test(raw)) {
    throw new S3Error('InvalidArgument', 400, `${name} must be a non-negative integer`, { ArgumentName: name, ArgumentValue: raw });
  }
  return Number(raw);
}

export function headerOf(request: S3Request, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value.join(',') : value;
  return text === undefined || text === '' ? undefined : text;
}

/** The declared length of the decoded body (aws-chunked bodies declare it apart from their framing). */
export function declaredBodyLength(request: S3Request): number | undefined {
  const raw = headerOf(request, 'x-amz-decoded-content-length') ?? headerOf(request, 'content-length');
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

export function entityTooLarge(maxBytes: number, proposed: number): S3Error {
  return new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size', {
    ProposedSize: String(proposed),
    MaxSizeAllowed: String(maxBytes),
  });
}
