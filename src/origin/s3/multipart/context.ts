import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { PutHeaders, StoredObject } from '../../object-store.ts';
import type { ChecksumAlgorithm, S3Payload, S3Principal } from '../contract.ts';
import type { UploadStore } from './upload-store.ts';

/**
 * What a multipart handler is given with its request. The handlers reach buckets and objects only
 * through `objects`, so they never learn how the bucket store lays out its namespace; the
 * dispatcher's hook (s3-handler.ts) builds one per request from the dispatcher's own context.
 */
export interface MultipartContext {
  objects: MultipartObjects;
  uploads: UploadStore;
  principal: S3Principal;
  /** The request's decoded, verified body; at most once. */
  openPayload(): S3Payload;
  /** The largest completed object: the origin's configured limit, or S3's 5 TiB if smaller. */
  maxObjectBytes: number;
}

/** The headers the completed object keeps, as CreateMultipartUpload sent them. */
export type StoredObjectHeaders = PutHeaders;

export interface CompletedObject {
  /** The composite "<md5 of the parts' md5s>-N", quoted. */
  etag: string;
  /** Composite checksums ("<base64>-N") by algorithm, when every part carried one. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  /** The sum of the parts' sizes: the body is exactly this long. */
  size: number;
}

/** The bucket store as the multipart handlers see it. */
export interface MultipartObjects {
  hasBucket(bucket: string): boolean | Promise<boolean>;
  /** The headers a PutObject with these request headers would store (throws S3Error on bad ones). */
  storedHeadersOf(headers: IncomingHttpHeaders): StoredObjectHeaders;
  /** Writes an object whole-or-absent (temp file, fsync, rename, directory fsync) under its key's lock. */
  putCompleted(bucket: string, key: string, headers: StoredObjectHeaders, body: Readable, completed: CompletedObject): Promise<void>;
  /** An object to copy a part from (UploadPartCopy); the caller consumes or releases it. */
  get(bucket: string, key: string): Promise<StoredObject | undefined>;
}

/** An answer for the dispatcher's hook to write (x-amz-request-id and thrown S3Errors are the dispatcher's). */
export interface MultipartAnswer {
  status: number;
  headers: Record<string, string>;
  /** An XML document, or nothing. */
  body?: string;
}
