import type { S3Request } from '../contract.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { MAX_LIST_ENTRIES } from './limits.ts';
import { integerParam, requireUpload } from './lookups.ts';
import { isoDate, s3Document } from './xml.ts';

/** ListParts: the upload's parts after part-number-marker, max-parts at a time. */
export async function listParts(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  const upload = await requireUpload(request, ctx);
  const marker = integerParam(request, 'part-number-marker', 0);
  const maxParts = Math.min(integerParam(request, 'max-parts', MAX_LIST_ENTRIES), MAX_LIST_ENTRIES);
  const after = (await ctx.uploads.parts(upload)).filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const owner = { ID: upload.initiator, DisplayName: upload.initiator };
  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body: s3Document('ListPartsResult', {
      Bucket: upload.bucket,
      Key: upload.key,
      UploadId: upload.uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      ...(upload.checksumAlgorithm ? { ChecksumAlgorithm: upload.checksumAlgorithm } : {}),
      Initiator: owner,
      Owner: owner,
      StorageClass: 'STANDARD',
      Part: page.map((part) => ({
        PartNumber: part.partNumber,
        LastModified: isoDate(part.lastModified),
        ETag: part.etag,
        Size: part.size,
        ...Object.fromEntries(Object.entries(part.checksums).map(([algorithm, value]) => [`Checksum${algorithm}`, value])),
      })),
    }),
  };
}
