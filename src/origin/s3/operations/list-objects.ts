import { s3Errors } from '../errors.ts';
import type { ObjectSummary } from '../key-index.ts';
import { toXml, type XmlElement } from '../xml.ts';
import { OWNER } from './buckets.ts';
import { bucketOf, sendXml, type S3OperationHandler } from './context.ts';
import { listKeys } from './list-keys.ts';

/** S3's default and largest page. */
const MAX_KEYS = 1000;
/** Marks this origin's continuation tokens, so a foreign or edited one is refused rather than misread. */
const TOKEN_VERSION = 'cdnsim1:';

function maxKeysOf(query: URLSearchParams): number {
  const text = query.get('max-keys');
  if (text === null) return MAX_KEYS;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw s3Errors.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', text);
  }
  return Math.min(value, MAX_KEYS);
}

/** encoding-type=url: names go out percent-encoded (so that any key survives XML); '/' stays as it is. */
function encoderOf(query: URLSearchParams): ((name: string) => string) | undefined {
  const type = query.get('encoding-type');
  if (type === null) return undefined;
  if (type !== 'url') throw s3Errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', type);
  return (name) => encodeURIComponent(name).replace(/%2F/g, '/');
}

export function encodeContinuationToken(last: string): string {
  return Buffer.from(TOKEN_VERSION + last).toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(TOKEN_VERSION) || encodeContinuationToken(text.slice(TOKEN_VERSION.length)) !== token) {
    throw s3Errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return text.slice(TOKEN_VERSION.length);
}

function contentOf(summary: ObjectSummary, encode: (name: string) => string, withOwner: boolean): XmlElement {
  return {
    Key: encode(summary.key),
    LastModified: new Date(summary.lastModified).toISOString(),
    ETag: summary.etag,
    ...(summary.checksumAlgorithms.length > 0 ? { ChecksumAlgorithm: [...summary.checksumAlgorithms] } : {}),
    Size: summary.size,
    ...(withOwner ? { Owner: OWNER } : {}),
    StorageClass: 'STANDARD',
  };
}

function delimiterOf(query: URLSearchParams): string | undefined {
  const delimiter = query.get('delimiter');
  return delimiter === null || delimiter === '' ? undefined : delimiter;
}

/** What both versions of the listing read from the request alike. */
function listingOf(request: Parameters<S3OperationHandler>[0], buckets: Parameters<S3OperationHandler>[1]['buckets']) {
  const bucket = bucketOf(request);
  const { query } = request;
  const encoder = encoderOf(query);
  return {
    bucket,
    query,
    index: buckets.keys(bucket),
    encoder,
    encode: encoder ?? ((name: string) => name),
    prefix: query.get('prefix') ?? '',
    delimiter: delimiterOf(query),
    maxKeys: maxKeysOf(query),
  };
}

/** ListObjectsV2: prefix, delimiter, max-keys, continuation-token (else start-after), fetch-owner, encoding-type. */
export const listObjectsV2: S3OperationHandler = async (request, { buckets, res }) => {
  const { bucket, query, index, encoder, encode, prefix, delimiter, maxKeys } = listingOf(request, buckets);
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after');
  if (token === '') throw s3Errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  const after = token !== null ? decodeContinuationToken(token) : (startAfter ?? undefined);
  const page = listKeys(index, { prefix, delimiter, after, maxKeys });
  const withOwner = query.get('fetch-owner') === 'true';
  sendXml(
    res,
    toXml('ListBucketResult', {
      Name: bucket,
      Prefix: encode(prefix),
      ...(delimiter !== undefined ? { Delimiter: encode(delimiter) } : {}),
      MaxKeys: maxKeys,
      KeyCount: page.contents.length + page.commonPrefixes.length,
      IsTruncated: page.truncated,
      ...(token !== null ? { ContinuationToken: token } : {}),
      ...(page.truncated && page.last !== undefined ? { NextContinuationToken: encodeContinuationToken(page.last) } : {}),
      ...(startAfter !== null ? { StartAfter: encode(startAfter) } : {}),
      ...(encoder ? { EncodingType: 'url' } : {}),
      Contents: page.contents.map((summary) => contentOf(summary, encode, withOwner)),
      CommonPrefixes: page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) })),
    }),
  );
};

/** ListObjects (version 1, which s3cmd and older clients use): marker instead of tokens; NextMarker when a delimiter is given. */
export const listObjects: S3OperationHandler = async (request, { buckets, res }) => {
  const { bucket, query, index, encoder, encode, prefix, delimiter, maxKeys } = listingOf(request, buckets);
  const marker = query.get('marker') ?? '';
  const page = listKeys(index, { prefix, delimiter, after: marker === '' ? undefined : marker, maxKeys });
  sendXml(
    res,
    toXml('ListBucketResult', {
      Name: bucket,
      Prefix: encode(prefix),
      Marker: encode(marker),
      ...(page.truncated && delimiter !== undefined && page.last !== undefined ? { NextMarker: encode(page.last) } : {}),
      MaxKeys: maxKeys,
      ...(delimiter !== undefined ? { Delimiter: encode(delimiter) } : {}),
      IsTruncated: page.truncated,
      ...(encoder ? { EncodingType: 'url' } : {}),
      Contents: page.contents.map((summary) => contentOf(summary, encode, true)),
      CommonPrefixes: page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) })),
    }),
  );
};

