import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { ObjectMetadata, PutHeaders } from '../../object-store.ts';
import { S3Error } from '../contract.ts';

/** S3's limit on the x-amz-meta-* headers of one object (names and values, in bytes). */
const MAX_USER_METADATA_BYTES = 2048;
const USER_METADATA_PREFIX = 'x-amz-meta-';

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text === undefined || text === '' ? undefined : text;
}

/** The headers S3 stores with an object, as a PUT (or a CopyObject with REPLACE) sent them. */
export function storedHeadersOf(headers: IncomingHttpHeaders): PutHeaders {
  const userMetadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(USER_METADATA_PREFIX) || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    const field = name.slice(USER_METADATA_PREFIX.length);
    metadataBytes += Buffer.byteLength(field) + Buffer.byteLength(text);
    userMetadata[field] = text;
  }
  if (metadataBytes > MAX_USER_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size.', {
      MaxSizeAllowed: String(MAX_USER_METADATA_BYTES),
    });
  }
  return {
    contentType: single(headers, 'content-type') ?? 'binary/octet-stream',
    cacheControl: single(headers, 'cache-control'),
    // aws-chunked is the transfer framing of the upload, not the object's encoding: S3 drops it.
    contentEncoding: contentEncodingOf(single(headers, 'content-encoding')),
    contentDisposition: single(headers, 'content-disposition'),
    expires: single(headers, 'expires'),
    surrogateKey: single(headers, 'surrogate-key'),
    ...(Object.keys(userMetadata).length > 0 ? { userMetadata } : {}),
  };
}

function contentEncodingOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const codings = header
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding.toLowerCase() !== 'aws-chunked');
  return codings.length > 0 ? codings.join(', ') : undefined;
}

/** The stored headers of `meta` as PutHeaders (CopyObject with the COPY directive). */
export function storedHeadersFromMetadata(meta: ObjectMetadata): PutHeaders {
  const { contentType, cacheControl, contentEncoding, contentDisposition, expires, surrogateKey, userMetadata } = meta;
  return { contentType, cacheControl, contentEncoding, contentDisposition, expires, surrogateKey, userMetadata };
}

/** GetObject's response-* query parameters, which override a header of this one answer (presigned downloads use them). */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/** Sets the headers GET and HEAD of an object answer with (its Content-Length aside). */
export function setObjectHeaders(res: ServerResponse, meta: ObjectMetadata, query: URLSearchParams): void {
  res.setHeader('ETag', meta.etag);
  res.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', meta.contentType);
  if (meta.cacheControl) res.setHeader('Cache-Control', meta.cacheControl);
  if (meta.contentEncoding) res.setHeader('Content-Encoding', meta.contentEncoding);
  if (meta.contentDisposition) res.setHeader('Content-Disposition', meta.contentDisposition);
  if (meta.expires) res.setHeader('Expires', meta.expires);
  if (meta.surrogateKey) res.setHeader('Surrogate-Key', meta.surrogateKey);
  for (const [name, value] of Object.entries(meta.userMetadata ?? {})) res.setHeader(USER_METADATA_PREFIX + name, value);
  for (const [parameter, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = query.get(parameter);
    if (value !== null) res.setHeader(header, value);
  }
}

/** x-amz-checksum-<algorithm> of each stored checksum, when the client asked (x-amz-checksum-mode: ENABLED). */
export function setChecksumHeaders(res: ServerResponse, meta: ObjectMetadata, headers: IncomingHttpHeaders): void {
  if (String(headers['x-amz-checksum-mode'] ?? '').toUpperCase() !== 'ENABLED') return;
  const checksums = Object.entries(meta.checksums ?? {});
  for (const [algorithm, value] of checksums) res.setHeader(`x-amz-checksum-${algorithm.toLowerCase()}`, value);
  // A single PUT's checksum covers the whole object (a multipart one's is of its parts).
  if (checksums.length > 0) res.setHeader('x-amz-checksum-type', /-\d+"$/.test(meta.etag) ? 'COMPOSITE' : 'FULL_OBJECT');
}
