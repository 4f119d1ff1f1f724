import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * The S3 API of the built-in origin: the agreement between its parts (request dispatch and the
 * bucket/object operations, SigV4 and payload decoding, multipart uploads). Each part imports
 * these names; none imports another part's internals.
 */

/** An access key the origin accepts (from the topology or CDNSIM_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY). */
export interface S3Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Settings {
  /** The region signatures must name (SigV4 credential scope); default us-east-1. */
  region: string;
  credentials: readonly S3Credential[];
  /** Buckets anyone may GET/HEAD (and list) without a signature. */
  publicReadBuckets: ReadonlySet<string>;
  /** Presigned URLs may not be valid longer than this (S3: 7 days). */
  maxPresignSeconds: number;
}

/** An S3 error answer: the XML body's Code and Message, and the HTTP status S3 gives it. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra elements of the XML error body (e.g. Key, BucketName, Condition). */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

/** One S3 request, after addressing is resolved (path-style /bucket/key or Host: bucket.s3.<anything>). */
export interface S3Request {
  raw: IncomingMessage;
  method: string;
  /** undefined for the service (ListBuckets). */
  bucket: string | undefined;
  /** The object key, percent-decoded; undefined for bucket-level operations. */
  key: string | undefined;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  addressing: 'path' | 'virtual-hosted';
  /** x-amz-request-id of the answer. */
  requestId: string;
}

/** How the request's payload is protected (x-amz-content-sha256). */
export type PayloadProtection =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  /** aws-chunked, each chunk signed (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]). */
  | { kind: 'streaming-signed'; trailer: boolean; seedSignature: string; signingKey: Buffer; scope: string; amzDate: string }
  /** aws-chunked, unsigned chunks, checksum in a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER). */
  | { kind: 'streaming-unsigned-trailer' };

/** Who sent a request, once its signature (or the bucket's public-read) allowed it. */
export interface S3Principal {
  /** The access key id, or 'anonymous'. */
  accessKeyId: string;
  payload: PayloadProtection;
}

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** A request body as stored: the decoded bytes, and the checksums verified when they end. */
export interface S3Payload {
  /** The object's bytes (aws-chunked framing removed). Errors with an S3Error on a bad chunk signature, digest or checksum. */
  body: Readable;
  /**
   * Settles when `body` has ended: the checksums (base64) of the algorithms the request named
   * (header, trailer or x-amz-sdk-checksum-algorithm), each verified; Content-MD5 too when sent.
   * Rejects with an S3Error (BadDigest, InvalidRequest ...) if one does not match.
   */
  checksums: Promise<Partial<Record<ChecksumAlgorithm, string>>>;
}

/** Implemented by the auth part (src/origin/s3/auth/); used by the dispatcher. */
export interface S3Authenticator {
  /** Throws S3Error (AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId, AuthorizationQueryParametersError, ExpiredToken-style 403) when not allowed. */
  authenticate(request: S3Request, now: number): S3Principal;
  /** The decoded, verified body of a request that carries one. */
  openPayload(request: S3Request, principal: S3Principal): S3Payload;
}
