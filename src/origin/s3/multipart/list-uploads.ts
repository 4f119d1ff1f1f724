import { S3Error, type S3Request } from '../contract.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { MAX_LIST_ENTRIES } from './limits.ts';
import { integerParam, requireBucket } from './lookups.ts';
import type { Upload } from './upload-store.ts';
import { isoDate, s3Document } from './xml.ts';

/**
 * ListMultipartUploads: a bucket's uploads in progress by key, then initiation, from after
 * key-marker (and, for that key, after upload-id-marker), with prefix and delimiter like ListObjects.
 * Upload ids begin with their initiation time, so "after upload-id-marker" (S3: ids greater than it)
 * and "initiated later" agree.
 */
export async function listMultipartUploads(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  const bucket = request.bucket;
  if (bucket === undefined) throw new S3Error('InvalidRequest', 400, 'ListMultipartUploads names a bucket');
  await requireBucket(ctx, bucket);
  const prefix = request.query.get('prefix') ?? '';
  const delimiter = request.query.get('delimiter') ?? '';
  const keyMarker = request.query.get('key-marker') ?? '';
  // Without key-marker, S3 ignores upload-id-marker.
  const uploadIdMarker = keyMarker === '' ? '' : (request.query.get('upload-id-marker') ?? '');
  const maxUploads = Math.min(integerParam(request, 'max-uploads', MAX_LIST_ENTRIES), MAX_LIST_ENTRIES);
  const urlEncoded = request.query.get('encoding-type') === 'url';
  const encode = (text: string) => (urlEncoded ? encodeURIComponent(text).replace(/%2F/g, '/') : text);

  const candidates = ctx.uploads
    .inBucket(bucket)
    .filter((upload) => upload.key.startsWith(prefix))
    .filter((upload) => keyMarker === '' || upload.key > keyMarker || (uploadIdMarker !== '' && upload.key === keyMarker && upload.uploadId > uploadIdMarker));

  const uploads: Upload[] = [];
  const commonPrefixes: string[] = [];
  let truncated = false;
  let nextKeyMarker = '';
  let nextUploadIdMarker = '';
  for (const upload of candidates) {
    const grouped = groupOf(upload.key, prefix, delimiter);
    if (grouped !== undefined && grouped === commonPrefixes.at(-1)) continue;
    if (uploads.length + commonPrefixes.length === maxUploads) {
      truncated = true;
      break;
    }
    if (grouped !== undefined) {
      commonPrefixes.push(grouped);
      // The next page starts after every key under this prefix.
      nextKeyMarker = grouped;
      nextUploadIdMarker = '';
    } else {
      uploads.push(upload);
      nextKeyMarker = upload.key;
      nextUploadIdMarker = upload.uploadId;
    }
  }
  if (truncated && nextUploadIdMarker === '' && nextKeyMarker !== '') nextKeyMarker = lastKeyUnder(candidates, nextKeyMarker);

  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body: s3Document('ListMultipartUploadsResult', {
      Bucket: bucket,
      KeyMarker: encode(keyMarker),
      UploadIdMarker: uploadIdMarker,
      ...(truncated ? { NextKeyMarker: encode(nextKeyMarker), NextUploadIdMarker: nextUploadIdMarker } : {}),
      ...(prefix !== '' ? { Prefix: encode(prefix) } : {}),
      ...(delimiter !== '' ? { Delimiter: encode(delimiter) } : {}),
      ...(urlEncoded ? { EncodingType: 'url' } : {}),
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      Upload: uploads.map((upload) => {
        const owner = { ID: upload.initiator, DisplayName: upload.initiator };
        return {
          Key: encode(upload.key),
          UploadId: upload.uploadId,
          Initiator: owner,
          Owner: owner,
          StorageClass: 'STANDARD',
          Initiated: isoDate(upload.initiated),
          ...(upload.checksumAlgorithm ? { ChecksumAlgorithm: upload.checksumAlgorithm } : {}),
        };
      }),
      CommonPrefixes: commonPrefixes.map((common) => ({ Prefix: encode(common) })),
    }),
  };
}

/** The common prefix a key rolls up into (prefix, then up to and including the delimiter), if any. */
function groupOf(key: string, prefix: string, delimiter: string): string | undefined {
  if (delimiter === '') return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at === -1 ? undefined : key.slice(0, at + delimiter.length);
}

/** The greatest key under a common prefix, so that key-marker skips the whole group. */
function lastKeyUnder(uploads: readonly Upload[], common: string): string {
  let last = common;
  for (const upload of uploads) if (upload.key.startsWith(common) && upload.key > last) last = upload.key;
  return last;
}
