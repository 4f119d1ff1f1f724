import type { S3Request } from '../contract.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { requireUpload } from './lookups.ts';

/** Removes an upload and its parts; the id answers NoSuchUpload from then on. */
export async function abortMultipartUpload(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  const upload = await requireUpload(request, ctx);
  await ctx.uploads.exclusive(upload.uploadId, async () => {
    // Looked up again under the lock: a Complete may have finished it meanwhile.
    const current = await requireUpload(request, ctx);
    await ctx.uploads.retire(current);
  });
  return { status: 204, headers: {} };
}
