import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error, type S3Authenticator, type S3Request, type S3Settings } from './contract.ts';
import type { BucketStore } from './bucket-store.ts';
import { MULTIPART_OPERATIONS, newRequestId, resolveS3Request, selectOperation, type S3OperationName } from './dispatch.ts';
import { s3Errors, sendS3Error } from './errors.ts';
import type { MultipartHandler, S3OperationContext } from './operations/context.ts';
import { OPERATION_HANDLERS } from './operations/index.ts';

/** S3's own limit on one PUT: larger objects must be uploaded in parts. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

export interface S3ApiOptions {
  buckets: BucketStore;
  settings: S3Settings;
  authenticator: S3Authenticator;
  /** The origin's limit on an object; S3's 5 GiB when that is smaller. */
  maxObjectBytes: number;
  /** The multipart part's handlers; without them, multipart operations answer NotImplemented. */
  multipart?: MultipartHandler;
  /** Names the operation of the request for the origin's metrics. */
  labelOperation?: (res: ServerResponse, operation: S3OperationName) => void;
  /** Refuses a request over its prefix's rate (503 SlowDown), when request rate limits are on. */
  admit?: (request: S3Request) => void;
}

/**
 * Answers S3 requests, counting each with `meter`; returns false (and does nothing) for
 * requests of cdnsim's own API.
 */
export type S3Api = (req: IncomingMessage, res: ServerResponse, meter?: (req: IncomingMessage, res: ServerResponse) => void) => boolean;

export function createS3Api(options: S3ApiOptions): S3Api {
  const maxObjectBytes = Math.min(options.maxObjectBytes, MAX_SINGLE_PUT_BYTES);
  return (req, res, meter) => {
    let request: S3Request | undefined;
    try {
      request = resolveS3Request(req, (name) => options.buckets.has(name));
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      meter?.(req, res);
      const requestId = newRequestId();
      res.setHeader('x-amz-request-id', requestId);
      sendS3Error(res, error, req.method ?? 'GET', req.url ?? '/', requestId);
      return true;
    }
    if (!request) return false;
    meter?.(req, res);
    answer(request, res, options, maxObjectBytes).catch((error: unknown) => {
      // Only a failure while answering an error gets here: log it, and cut the connection.
      console.error('origin S3 answer failed:', error);
      res.destroy();
    });
    return true;
  };
}

async function answer(request: S3Request, res: ServerResponse, options: S3ApiOptions, maxObjectBytes: number): Promise<void> {
  res.setHeader('x-amz-request-id', request.requestId);
  res.setHeader('x-amz-id-2', request.requestId);
  res.setHeader('Server', 'cdnsim');
  try {
    const operation = selectOperation(request);
    options.labelOperation?.(res, operation);
    options.admit?.(request);
    const principal = options.authenticator.authenticate(request, Date.now());
    let opened = false;
    const ctx: S3OperationContext = {
      buckets: options.buckets,
      settings: options.settings,
      principal,
      res,
      maxObjectBytes,
      openPayload: () => {
        if (opened) throw new Error('bug: a request body opened twice');
        opened = true;
        return options.authenticator.openPayload(request, principal);
      },
    };
    if (MULTIPART_OPERATIONS.has(operation)) {
      const handled = options.multipart?.(request, ctx);
      if (handled === undefined) throw s3Errors.notImplemented(operation);
      await handled;
      return;
    }
    const handler = OPERATION_HANDLERS[operation];
    if (!handler) throw s3Errors.notImplemented(operation);
    await handler(request, ctx);
  } catch (error) {
    // The client went away mid-request (a read request ends destroyed too, so that alone says nothing).
    if (request.raw.readableAborted || res.destroyed) {
      res.destroy();
      return;
    }
    // A body left unread would otherwise be read through to keep the connection: drop it.
    if (!request.raw.complete) res.setHeader('Connection', 'close');
    const s3Error = error instanceof S3Error ? error : internalError(error);
    sendS3Error(res, s3Error, request.method, resourceOf(request), request.requestId);
  }
}

function internalError(error: unknown): S3Error {
  console.error('origin S3 error:', error);
  return new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.');
}

function resourceOf(request: S3Request): string {
  if (request.bucket === undefined) return '/';
  // Percent-encoded, '/' aside: a key may hold characters an XML document cannot carry.
  return request.key === undefined ? `/${request.bucket}` : `/${request.bucket}/${encodeURIComponent(request.key).replace(/%2F/g, '/')}`;
}
