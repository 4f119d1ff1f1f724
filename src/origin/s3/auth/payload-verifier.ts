import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { ChecksumAlgorithm } from '../contract.ts';
import { S3Error } from '../contract.ts';
import { badDigest, incompleteBody, invalidRequest } from './auth-errors.ts';
import type { ChecksumPlan } from './checksum-plan.ts';
import { headerOfAlgorithm, isDigestValue, runningDigest, type RunningDigest } from './checksums.ts';

export interface VerifierOptions {
  plan: ChecksumPlan;
  /** The hex x-amz-content-sha256 of a payload signed whole. */
  sha256Hex: string | undefined;
  /** x-amz-decoded-content-length of an aws-chunked body. */
  decodedLength: number | undefined;
  /** The trailers of the aws-chunked body, read once that body has ended. */
  trailers: () => ReadonlyMap<string, string>;
}

/**
 * Passes the decoded body through, digesting it; when it ends, checks the digests and lengths the
 * request declared. A mismatch errors the stream instead of ending it, so a store that commits on
 * 'end' keeps nothing.
 */
export class PayloadVerifier extends Transform {
  private readonly digests = new Map<ChecksumAlgorithm, RunningDigest>();
  private readonly md5: RunningDigest | undefined;
  private readonly sha256: Hash | undefined;
  private length = 0;
  /** The checksums computed, set once they all verified. */
  verified: Partial<Record<ChecksumAlgorithm, string>> | undefined;

  constructor(private readonly options: VerifierOptions) {
    super();
    for (const algorithm of options.plan.algorithms.keys()) this.digests.set(algorithm, runningDigest(algorithm));
    this.md5 = options.plan.contentMd5 !== undefined ? runningDigest('MD5') : undefined;
    this.sha256 = options.sha256Hex !== undefined ? createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.length += chunk.length;
    // Past the declared length the body is wrong already: say so now rather than after reading the rest.
    if (this.options.decodedLength !== undefined && this.length > this.options.decodedLength) {
      callback(incompleteBody('The aws-chunked body is longer than x-amz-decoded-content-length.'));
      return;
    }
    for (const digest of this.digests.values()) digest.update(chunk);
    this.md5?.update(chunk);
    this.sha256?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.verified = this.check();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private check(): Partial<Record<ChecksumAlgorithm, string>> {
    const { decodedLength, sha256Hex, plan } = this.options;
    if (decodedLength !== undefined && decodedLength !== this.length) throw incompleteBody();
    if (this.sha256 && sha256Hex !== undefined) {
      const computed = this.sha256.digest('hex');
      if (computed !== sha256Hex) {
        throw new S3Error('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed.", {
          ClientComputedContentSHA256: sha256Hex,
          S3ComputedContentSHA256: computed,
        });
      }
    }
    if (this.md5 && this.md5.digestBase64() !== plan.contentMd5) throw badDigest('The Content-MD5 you specified did not match what we received.');
    const result: Partial<Record<ChecksumAlgorithm, string>> = {};
    const trailers = this.options.trailers();
    for (const [algorithm, digest] of this.digests) {
      const computed = digest.digestBase64();
      const expected = plan.fromTrailer.has(algorithm) ? this.trailerValue(trailers, algorithm) : plan.algorithms.get(algorithm);
      if (expected !== undefined && expected !== computed) throw badDigest(`The ${algorithm} you specified did not match the calculated checksum.`);
      result[algorithm] = computed;
    }
    return result;
  }

  private trailerValue(trailers: ReadonlyMap<string, string>, algorithm: ChecksumAlgorithm): string {
    const name = headerOfAlgorithm(algorithm);
    const value = trailers.get(name);
    if (value === undefined) throw invalidRequest(`The x-amz-trailer header named ${name}, but the body's trailer did not carry it.`);
    if (!isDigestValue(algorithm, value)) throw invalidRequest(`Value for ${name} trailing header is invalid.`);
    return value;
  }
}
