import type { S3Principal, S3Request } from '../contract.ts';
import { abortMultipartUpload } from './abort.ts';
import { completeMultipartUpload } from './complete.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { createMultipartUpload } from './create.ts';
import { listMultipartUploads } from './list-uploads.ts';
import { listParts } from './list-parts.ts';
import { uploadPartCopy } from './upload-part-copy.ts';
import { uploadPart } from './upload-part.ts';

export type { MultipartAnswer, MultipartContext, MultipartObjects, StoredObjectHeaders } from './context.ts';
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
 * The entry point the S3 dispatcher calls for every S3 request: the answer of a multipart
 * operation, or undefined (synchronously) when the request is not one. Thrown S3Errors are for
 * the dispatcher to render as S3's XML error; so is setting x-amz-request-id. `principal` is the
 * dispatcher's authenticate() result; without it the request is authenticated here.
 */
export function multipartOperation(request: S3Request, ctx: MultipartContext, principal?: S3Principal): Promise<MultipartAnswer> | undefined {
  const name = multipartOperationName(request);
  if (name === undefined) return undefined;
  return run(name, request, ctx, principal);
}

async function run(name: MultipartOperationName, request: S3Request, ctx: MultipartContext, given: S3Principal | undefined): Promise<MultipartAnswer> {
  const principal = given ?? ctx.authenticator.authenticate(request, Date.now());
  switch (name) {
    case 'CreateMultipartUpload':
      return createMultipartUpload(request, ctx, principal);
    case 'UploadPart':
      return uploadPart(request, ctx, principal);
    case 'UploadPartCopy':
      return uploadPartCopy(request, ctx);
    case 'CompleteMultipartUpload':
      return completeMultipartUpload(request, ctx, principal);
    case 'AbortMultipartUpload':
      return abortMultipartUpload(request, ctx);
    case 'ListParts':
      return listParts(request, ctx);
    case 'ListMultipartUploads':
      return listMultipartUploads(request, ctx);
  }
}
