import type { ServerResponse } from 'node:http';
import type { S3Payload, S3Principal, S3Request, S3Settings } from '../contract.ts';
import type { BucketStore } from '../bucket-store.ts';

/** What every S3 operation handler is given besides its request (multipart's handlers too). */
export interface S3OperationContext {
  buckets: BucketStore;
  settings: S3Settings;
  principal: S3Principal;
  /** The request's decoded, verified body (aws-chunked framing removed); call at most once. */
  openPayload(): S3Payload;
  res: ServerResponse;
  /** The largest object one PUT (or a completed multipart upload) may store. */
  maxObjectBytes: number;
}

export type S3OperationHandler = (request: S3Request, ctx: S3OperationContext) => Promise<void>;

/**
 * The multipart part's entry point: handles the request and resolves, or returns undefined
 * when the request is not a multipart one.
 */
export type MultipartHandler = (request: S3Request, ctx: S3OperationContext) => Promise<void> | undefined;

/** The bucket of a bucket- or object-level request (the dispatcher resolved it). */
export function bucketOf(request: S3Request): string {
  if (request.bucket === undefined) throw new Error('bug: a bucket operation without a bucket');
  return request.bucket;
}

export function keyOf(request: S3Request): string {
  if (request.key === undefined) throw new Error('bug: an object operation without a key');
  return request.key;
}

/** Sends an XML answer with status 200 (or `status`). */
export function sendXml(res: ServerResponse, body: string, status = 200): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
