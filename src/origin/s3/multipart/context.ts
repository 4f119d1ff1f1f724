import type { Readable } from 'node:stream';
import type { ServableObject } from '../../servable-object.ts';
import type { S3Authenticator, S3Settings } from '../contract.ts';
import type { UploadStore } from './upload-store.ts';

/**
 * What the multipart handlers need from the rest of the origin's S3 API. The dispatcher (S1) builds
 * one per server and passes it with every request it routes here; the handlers reach buckets and
 * objects only through `objects`, so they never learn how the bucket store lays out its namespace.
 */
export interface MultipartContext {
  objects: MultipartObjects;
  uploads: UploadStore;
  authenticator: S3Authenticator;
  settings: S3Settings;
  /** The origin's largest object (its configured limit; S3's own is 5 TiB). */
  maxObjectBytes: number;
}

/** The headers of CreateMultipartUpload that the completed object keeps (lower-case names). */
export type StoredObjectHeaders = Readonly<Record<string, string>>;

/** The bucket store as the multipart handlers see it (S1's bucket-store implements it). */
export interface MultipartObjects {
  hasBucket(bucket: string): Promise<boolean>;
  /**
   * Writes an object whole-or-absent (temp file, fsync, rename, directory fsync) under the bucket's
   * key lock, with `etag` (quoted) as its ETag rather than one computed from the body. `headers`
   * are those CreateMultipartUpload was sent (Content-Type, Cache-Control, x-amz-meta-* ...).
   */
  putCompleted(bucket: string, key: string, headers: StoredObjectHeaders, body: Readable, etag: string, maxBytes: number): Promise<void>;
  /** An object to copy a part from (UploadPartCopy); the caller consumes or releases it. */
  get(bucket: string, key: string): Promise<ServableObject | undefined>;
}

/** An answer the dispatcher writes out (it adds x-amz-request-id and renders thrown S3Errors). */
export interface MultipartAnswer {
  status: number;
  headers: Record<string, string>;
  /** An XML document, or nothing. */
  body?: string;
}
