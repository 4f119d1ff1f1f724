import type { IncomingHttpHeaders } from 'node:http';
import type { ChecksumAlgorithm } from '../contract.ts';
import { S3Error } from '../contract.ts';
import { invalidRequest, notImplemented } from './auth-errors.ts';
import { algorithmOfHeader, isDigestValue } from './checksums.ts';

/** Which checksums a request asks for, and where each one's expected value is (a header now, or a trailer later). */
export interface ChecksumPlan {
  /** Algorithm -> the value from its x-amz-checksum-* header; undefined when the value comes in a trailer or not at all. */
  algorithms: Map<ChecksumAlgorithm, string | undefined>;
  /** Algorithms whose value the aws-chunked trailer carries (x-amz-trailer). */
  fromTrailer: Set<ChecksumAlgorithm>;
  /** base64 Content-MD5, when sent. */
  contentMd5: string | undefined;
}

// x-amz-checksum-* headers that name a mode or a type rather than carry a value.
const NOT_VALUES = new Set(['x-amz-checksum-mode', 'x-amz-checksum-type', 'x-amz-checksum-algorithm']);

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function knownAlgorithm(name: string, what: string): ChecksumAlgorithm {
  const algorithm = algorithmOfHeader(name);
  if (algorithm) return algorithm;
  if (/^x-amz-checksum-crc64nvme$/i.test(name)) throw notImplemented('CRC64NVME checksums are not supported by this origin; use CRC32, CRC32C, SHA1 or SHA256.');
  throw invalidRequest(`Value for ${what} is invalid.`);
}

/**
 * `objectChecksumHeaders`: the request's x-amz-checksum-* headers describe the object being made,
 * not this body (CompleteMultipartUpload's full-object or composite "<b64>-N" checksum), so they
 * are left to the operation.
 */
export function checksumPlan(headers: IncomingHttpHeaders, chunked: boolean, objectChecksumHeaders = false): ChecksumPlan {
  const algorithms = new Map<ChecksumAlgorithm, string | undefined>();
  const fromTrailer = new Set<ChecksumAlgorithm>();
  const valueHeaders = objectChecksumHeaders
    ? []
    : Object.keys(headers).filter((name) => name.startsWith('x-amz-checksum-') && !NOT_VALUES.has(name));
  const trailerNames = (single(headers['x-amz-trailer']) ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (valueHeaders.length + trailerNames.length > 1) {
    throw invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  for (const name of valueHeaders) {
    const algorithm = knownAlgorithm(name, `${name} header`);
    const value = single(headers[name]) ?? '';
    if (!isDigestValue(algorithm, value)) throw invalidRequest(`Value for ${name} header is invalid.`);
    algorithms.set(algorithm, value);
  }
  if (trailerNames.length > 0 && !chunked) throw invalidRequest('x-amz-trailer is only allowed with an aws-chunked body.');
  for (const name of trailerNames) {
    const algorithm = knownAlgorithm(name, 'x-amz-trailer header');
    algorithms.set(algorithm, undefined);
    fromTrailer.add(algorithm);
  }
  const sdkAlgorithm = single(headers['x-amz-sdk-checksum-algorithm']);
  if (sdkAlgorithm !== undefined) {
    const algorithm = knownAlgorithm(`x-amz-checksum-${sdkAlgorithm.trim().toLowerCase()}`, 'x-amz-sdk-checksum-algorithm header');
    // Named without a value: computed and answered, as a client that asks S3 for a checksum gets one back.
    if (!algorithms.has(algorithm)) algorithms.set(algorithm, undefined);
  }
  const contentMd5 = single(headers['content-md5']);
  if (contentMd5 !== undefined && !isDigestValue('MD5', contentMd5.trim())) {
    throw new S3Error('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.');
  }
  return { algorithms, fromTrailer, contentMd5: contentMd5?.trim() };
}
