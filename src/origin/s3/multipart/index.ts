/*
 * S3 multipart uploads (Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts,
 * ListMultipartUploads). How the dispatcher plugs in: src/origin/s3/multipart-hook.ts is the
 * dispatcher's MultipartHandler; for each request the dispatcher routes to a multipart operation it
 * calls multipartOperation(request, ctx) with a MultipartContext built from its own (the principal,
 * openPayload, the bucket store seen through MultipartObjects, the multipart object limit), and
 * writes the MultipartAnswer. The handlers throw S3Error for the dispatcher to render. Uploads in
 * progress live in an UploadStore under the origin's data directory (server.ts opens it).
 */
import type { S3Request } from '../contract.ts';
import { abortMultipartUpload } from './abort.ts';
import { completeMultipartUpload } from './complete.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { createMultipartUpload } from './create.ts';
import { listMultipartUploads } from './list-uploads.ts';
import { listParts } from './list-parts.ts';
import { uploadPartCopy } from './upload-part-copy.ts';
import { uploadPart } from './upload-part.ts';

export type { CompletedObject, MultipartAnswer, MultipartContext, MultipartObjects, StoredObjectHeaders } from './context.ts';
export { UploadStore } from './upload-store.ts';

export type MultipartOperationName =
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'ListMultipartUploads';

/**
 * Which multipart operation a request is (by method and S3's subresources ?uploads, ?uploadId,
 * ?partNumber), or undefined for any other request. The dispatcher can use it for its metrics label.
 */
export function multipartOperationName(request: S3Request): MultipartOperationName | undefined {
  const { method, query } = request;
  if (request.bucket === undefined) return undefined;
  if (request.key === undefined) return method === 'GET' && query.has('uploads') ? 'ListMultipartUploads' : undefined;
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (!query.has('uploadId')) return undefined;
  switch (method) {
    case 'POST':
      return 'CompleteMultipartUpload';
    case 'PUT':
      if (!query.has('partNumber')) return undefined;
      return request.headers['x-amz-copy-source'] === undefined ? 'UploadPart' : 'UploadPartCopy';
    case 'DELETE':
      return 'AbortMultipartUpload';
    case 'GET':
      return 'ListParts';
    default:
      return undefined;
  }
}

/**
 * The answer of a multipart operation, or undefined (synchronously) when the request is not one.
 * Thrown S3Errors are for the dispatcher to render as S3's XML error.
 */
export function multipartOperation(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> | undefined {
  const name = multipartOperationName(request);
  if (name === undefined) return undefined;
  return run(name, request, ctx);
}

async function run(name: MultipartOperationName, request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  switch (name) {
    case 'CreateMultipartUpload':
      return createMultipartUpload(request, ctx);
    case 'UploadPart':
      return uploadPart(request, ctx);
    case 'UploadPartCopy':
      return uploadPartCopy(request, ctx);
    case 'CompleteMultipartUpload':
      return completeMultipartUpload(request, ctx);
    case 'AbortMultipartUpload':
      return abortMultipartUpload(request, ctx);
    case 'ListParts':
      return listParts(request, ctx);
    case 'ListMultipartUploads':
      return listMultipartUploads(request, ctx);
  }
}
