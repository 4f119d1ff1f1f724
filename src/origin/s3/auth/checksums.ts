import { createHash } from 'node:crypto';
import { Crc32 } from '@aws-crypto/crc32';
import { Crc32c } from '@aws-crypto/crc32c';
import zlib from 'node:zlib';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../contract.ts';

/** The whole-object checksums S3 accepts, each as a running digest that ends in S3's base64 form. */
export interface RunningDigest {
  update(bytes: Uint8Array): void;
  /** base64 of the digest's bytes (a CRC as its 4 big-endian bytes, as S3 writes x-amz-checksum-crc32). */
  digestBase64(): string;
}

class CrcDigest implements RunningDigest {
  constructor(private readonly crc: { update(data: Uint8Array): unknown; digest(): number }) {}
  update(bytes: Uint8Array): void {
    this.crc.update(bytes);
  }
  digestBase64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.crc.digest() >>> 0);
    return out.toString('base64');
  }
}

/**
 * zlib's native CRC32 (Node >= 20.15) runs about 50 times faster than the pure-JS one (0.2 against
 * 11 ms per MiB measured here), which made the SDK's default uploads (CRC32 on every PUT) cost three
 * times a plain PUT; older Node 20 releases fall back to @aws-crypto/crc32.
 */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

class NativeCrc32 {
  #value = 0;
  update(data: Uint8Array): void {
    this.#value = nativeCrc32!(data, this.#value);
  }
  digest(): number {
    return this.#value;
  }
}

class HashDigest implements RunningDigest {
  private readonly hash;
  constructor(algorithm: 'sha1' | 'sha256' | 'md5') {
    this.hash = createHash(algorithm);
  }
  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }
  digestBase64(): string {
    return this.hash.digest('base64');
  }
}

export function runningDigest(algorithm: ChecksumAlgorithm | 'MD5'): RunningDigest {
  switch (algorithm) {
    case 'CRC32':
      return new CrcDigest(nativeCrc32 ? new NativeCrc32() : new Crc32());
    case 'CRC32C':
      return new CrcDigest(new Crc32c());
    case 'SHA1':
      return new HashDigest('sha1');
    case 'SHA256':
      return new HashDigest('sha256');
    case 'MD5':
      return new HashDigest('md5');
  }
}

/** Digest sizes in bytes: a checksum value of another length is malformed, not merely wrong. */
export const DIGEST_BYTES: Readonly<Record<ChecksumAlgorithm | 'MD5', number>> = { CRC32: 4, CRC32C: 4, SHA1: 20, SHA256: 32, MD5: 16 };

export function isDigestValue(algorithm: ChecksumAlgorithm | 'MD5', base64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
  return Buffer.from(base64, 'base64').length === DIGEST_BYTES[algorithm];
}

/** x-amz-checksum-crc32 -> CRC32; undefined for a name that is not one of S3's checksum headers we verify. */
export function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  if (!lower.startsWith('x-amz-checksum-')) return undefined;
  const upper = lower.slice('x-amz-checksum-'.length).toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}

export function headerOfAlgorithm(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}
