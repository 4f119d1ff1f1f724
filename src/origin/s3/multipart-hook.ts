import type { ServerResponse } from 'node:http';
import { multipartOperation, type MultipartAnswer, type UploadStore } from './multipart/index.ts';
import type { MultipartHandler } from './operations/context.ts';
import { storedHeadersOf } from './operations/object-headers.ts';
import { writePreconditionOf } from './operations/write-conditions.ts';

/** S3's limit on an object assembled from parts. */
const MAX_MULTIPART_OBJECT_BYTES = 5 * 1024 ** 4;

/**
 * Routes the dispatcher's multipart operations to the multipart part, which reaches objects only
 * through the narrow view built here over the bucket store, and writes its answers.
 */
export function multipartHook(uploads: UploadStore, originMaxObjectBytes: number): MultipartHandler {
  const maxObjectBytes = Math.min(originMaxObjectBytes, MAX_MULTIPART_OBJECT_BYTES);
  return (request, ctx) => {
    const answer = multipartOperation(request, {
      objects: {
        hasBucket: (bucket) => ctx.buckets.has(bucket),
        storedHeadersOf,
        putCompleted: async (bucket, key, headers, body, completed) => {
          await ctx.buckets.put(bucket, key, headers, body, maxObjectBytes, {
            // S3's conditional writes hold for a Complete too (If-None-Match: *, If-Match), under the key's lock.
            precondition: writePreconditionOf(request.headers, key),
            etag: { fixed: completed.etag },
            beforeCommit: async () => ({ checksums: completed.checksums }),
          });
        },
        get: (bucket, key) => ctx.buckets.get(bucket, key),
      },
      uploads,
      principal: ctx.principal,
      openPayload: ctx.openPayload,
      maxObjectBytes,
    });
    return answer?.then((result) => writeAnswer(ctx.res, result));
  };
}

function writeAnswer(res: ServerResponse, answer: MultipartAnswer): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  if (answer.body === undefined) {
    res.end();
    return;
  }
  if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', Buffer.byteLength(answer.body));
  res.end(answer.body);
}
