import { createHash } from 'node:crypto';
import { crc32 } from '@aws-crypto/crc32';
import { crc32c } from '@aws-crypto/crc32c';
import type { ChecksumAlgorithm } from '../contract.ts';
import type { PartInfo } from './part-file.ts';

/** A multipart object's ETag: the hex MD5 of its parts' binary MD5s, then "-" and the part count. */
export function compositeEtag(parts: readonly PartInfo[]): string {
  const md5 = createHash('md5');
  for (const part of parts) md5.update(Buffer.from(part.etag.replace(/"/g, ''), 'hex'));
  return `"${md5.digest('hex')}-${parts.length}"`;
}

/**
 * The object's checksum of the "composite" type S3 gives multipart uploads: the algorithm over the
 * parts' binary checksums, base64, then "-" and the part count. Undefined unless every part has one.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, parts: readonly PartInfo[]): string | undefined {
  const digests: Buffer[] = [];
  for (const part of parts) {
    const value = part.checksums[algorithm];
    if (value === undefined) return undefined;
    digests.push(Buffer.from(value, 'base64'));
  }
  return `${digestOf(algorithm, Buffer.concat(digests)).toString('base64')}-${parts.length}`;
}

function digestOf(algorithm: ChecksumAlgorithm, bytes: Buffer): Buffer {
  switch (algorithm) {
    case 'SHA1':
      return createHash('sha1').update(bytes).digest();
    case 'SHA256':
      return createHash('sha256').update(bytes).digest();
    case 'CRC32':
      return uint32(crc32(bytes));
    case 'CRC32C':
      return uint32(crc32c(bytes));
  }
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}
