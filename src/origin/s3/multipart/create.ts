import { CHECKSUM_ALGORITHMS, S3Error, type ChecksumAlgorithm, type S3Principal, type S3Request } from '../contract.ts';
import type { MultipartAnswer, MultipartContext, StoredObjectHeaders } from './context.ts';
import { headerOf, objectOf, requireBucket } from './lookups.ts';
import { s3Document } from './xml.ts';

/** Headers a PutObject would store with the object; a multipart upload's object keeps them from its Create. */
const KEPT_HEADERS = ['content-type', 'cache-control', 'content-encoding', 'content-disposition', 'content-language', 'expires', 'surrogate-key'];

export async function createMultipartUpload(request: S3Request, ctx: MultipartContext, principal: S3Principal): Promise<MultipartAnswer> {
  const { bucket, key } = objectOf(request);
  await requireBucket(ctx, bucket);
  const checksumAlgorithm = checksumAlgorithmOf(request);
  const upload = await ctx.uploads.create({
    bucket,
    key,
    headers: keptHeaders(request),
    ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
    initiator: principal.accessKeyId,
  });
  return {
    status: 200,
    headers: {
      'content-type': 'application/xml',
      ...(checksumAlgorithm ? { 'x-amz-checksum-algorithm': checksumAlgorithm } : {}),
    },
    body: s3Document('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: upload.uploadId }),
  };
}

function keptHeaders(request: S3Request): StoredObjectHeaders {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (KEPT_HEADERS.includes(name) || name.startsWith('x-amz-meta-')) kept[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return kept;
}

function checksumAlgorithmOf(request: S3Request): ChecksumAlgorithm | undefined {
  const raw = headerOf(request, 'x-amz-checksum-algorithm');
  if (raw === undefined) return undefined;
  const algorithm = CHECKSUM_ALGORITHMS.find((name) => name === raw.toUpperCase());
  if (!algorithm) throw new S3Error('InvalidRequest', 400, `Checksum algorithm ${raw} is not supported (one of ${CHECKSUM_ALGORITHMS.join(', ')})`);
  return algorithm;
}
