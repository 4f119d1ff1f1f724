import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { S3Error, type S3Request } from './contract.ts';
import { s3Errors } from './errors.ts';

/** Every operation the S3 API names (the `operation` label of cdn_origin_requests_total: a bounded set). */
export const S3_OPERATIONS = [
  'ListBuckets',
  'CreateBucket',
  'DeleteBucket',
  'HeadBucket',
  'GetBucketLocation',
  'ListObjects',
  'ListObjectsV2',
  'DeleteObjects',
  'PutObject',
  'CopyObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'ListMultipartUploads',
] as const;
export type S3OperationName = (typeof S3_OPERATIONS)[number];

export const MULTIPART_OPERATIONS: ReadonlySet<S3OperationName> = new Set([
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'ListMultipartUploads',
]);

/** Host: <bucket>.s3.<anything> (the first ".s3." ends the bucket name), port aside. */
const VIRTUAL_HOST = /^([^:]+?)\.s3\.[^:]+(?::\d+)?$/i;

/** x-amz-request-id: 16 hex digits, as S3's. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

function isSigned(req: IncomingMessage, query: URLSearchParams): boolean {
  const authorization = req.headers.authorization;
  return (typeof authorization === 'string' && authorization.startsWith('AWS4-HMAC-SHA256')) || query.has('X-Amz-Algorithm');
}

function decodePath(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new S3Error('InvalidURI', 400, "Couldn't parse the specified URI.");
  }
}

/**
 * Whether a request is for the S3 API, and if so its bucket and key. S3 is: virtual-hosted
 * (Host: <bucket>.s3.<anything>); signed with SigV4 (header or query); path-style whose first
 * segment names an existing bucket. Anything else (/gen/, /_cdn/, /metrics, cdnsim's own
 * PUT/GET /<key>) is left to cdnsim's API: undefined.
 */
export function resolveS3Request(req: IncomingMessage, bucketExists: (name: string) => boolean): S3Request | undefined {
  const target = req.url ?? '/';
  const mark = target.indexOf('?');
  const rawPath = mark === -1 ? target : target.slice(0, mark);
  const query = new URLSearchParams(mark === -1 ? '' : target.slice(mark + 1));
  if (!rawPath.startsWith('/')) return undefined;
  const host = req.headers.host ?? '';
  const virtual = VIRTUAL_HOST.exec(host);
  // Built only once the request is known to be S3's: cdnsim's own requests pay for none of it.
  const base = () => ({
    raw: req,
    method: req.method ?? 'GET',
    query,
    headers: req.headers,
    requestId: newRequestId(),
  });
  if (virtual) {
    const key = rawPath.slice(1);
    return { ...base(), bucket: virtual[1]!.toLowerCase(), key: key === '' ? undefined : decodePath(key), addressing: 'virtual-hosted' };
  }
  const slash = rawPath.indexOf('/', 1);
  const bucketPart = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const keyPart = slash === -1 ? '' : rawPath.slice(slash + 1);
  const signed = isSigned(req, query);
  if (bucketPart === '') return signed ? { ...base(), bucket: undefined, key: undefined, addressing: 'path' } : undefined;
  let bucket: string;
  try {
    bucket = decodeURIComponent(bucketPart);
  } catch {
    return undefined;
  }
  if (!signed && !bucketExists(bucket)) return undefined;
  return { ...base(), bucket, key: keyPart === '' ? undefined : decodePath(keyPart), addressing: 'path' };
}

/** Query names that select a different operation (or one not offered) rather than modify one. */
const UNSUPPORTED_SUBRESOURCES = [
  'acl', 'policy', 'policyStatus', 'cors', 'lifecycle', 'tagging', 'versioning', 'versions', 'website', 'logging',
  'notification', 'replication', 'encryption', 'accelerate', 'requestPayment', 'object-lock', 'legal-hold', 'retention',
  'restore', 'select', 'torrent', 'analytics', 'inventory', 'metrics', 'intelligent-tiering', 'ownershipControls',
  'publicAccessBlock', 'attributes', 'session',
];

/** Which operation a resolved request asks for, by method and subresource query (S3's REST mapping). */
export function selectOperation(request: S3Request): S3OperationName {
  const { method, query, bucket, key } = request;
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => query.has(name));
  if (unsupported !== undefined) throw s3Errors.notImplemented(`?${unsupported}`);
  if (bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    throw s3Errors.methodNotAllowed(method);
  }
  if (key === undefined) {
    switch (method) {
      case 'PUT':
        return 'CreateBucket';
      case 'DELETE':
        return 'DeleteBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'GET':
        if (query.has('location')) return 'GetBucketLocation';
        if (query.has('uploads')) return 'ListMultipartUploads';
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'POST':
        if (query.has('delete')) return 'DeleteObjects';
        break;
    }
    throw s3Errors.methodNotAllowed(method);
  }
  const uploadId = query.has('uploadId');
  switch (method) {
    case 'PUT':
      if (uploadId && query.has('partNumber')) return request.headers['x-amz-copy-source'] !== undefined ? 'UploadPartCopy' : 'UploadPart';
      return request.headers['x-amz-copy-source'] !== undefined ? 'CopyObject' : 'PutObject';
    case 'GET':
      return uploadId ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return uploadId ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (uploadId) return 'CompleteMultipartUpload';
      break;
  }
  throw s3Errors.methodNotAllowed(method);
}
