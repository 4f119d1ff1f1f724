import { CHECKSUM_ALGORITHMS, S3Error, type ChecksumAlgorithm, type S3Request } from '../contract.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { headerOf, objectOf, requireBucket } from './lookups.ts';
import { s3Document } from './xml.ts';

/** CreateMultipartUpload: the completed object will keep the headers a PutObject would have stored. */
export async function createMultipartUpload(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  const { bucket, key } = objectOf(request);
  await requireBucket(ctx, bucket);
  const checksumAlgorithm = checksumAlgorithmOf(request);
  const upload = await ctx.uploads.create({
    bucket,
    key,
    headers: ctx.objects.storedHeadersOf(request.headers),
    ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
    initiator: ctx.principal.accessKeyId,
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

function checksumAlgorithmOf(request: S3Request): ChecksumAlgorithm | undefined {
  const raw = headerOf(request, 'x-amz-checksum-algorithm');
  if (raw === undefined) return undefined;
  const algorithm = CHECKSUM_ALGORITHMS.find((name) => name === raw.toUpperCase());
  if (!algorithm) throw new S3Error('InvalidRequest', 400, `Checksum algorithm ${raw} is not supported (one of ${CHECKSUM_ALGORITHMS.join(', ')})`);
  return algorithm;
}
