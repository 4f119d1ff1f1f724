import type { S3Request } from '../contract.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { MAX_PART_BYTES } from './limits.ts';
import { declaredBodyLength, entityTooLarge, partNumberOf, requireUpload } from './lookups.ts';
import type { PartInfo } from './part-file.ts';

export async function uploadPart(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  const partNumber = partNumberOf(request);
  const upload = await requireUpload(request, ctx);
  const maxBytes = Math.min(MAX_PART_BYTES, ctx.maxObjectBytes);
  const declared = declaredBodyLength(request);
  // Refused before a byte is read: nothing reaches the disk.
  if (declared !== undefined && declared > maxBytes) throw entityTooLarge(maxBytes, declared);
  const payload = ctx.openPayload();
  const part = await ctx.uploads.writePart(upload, partNumber, payload.body, maxBytes, payload.checksums);
  return { status: 200, headers: partHeaders(part) };
}

/** ETag and the verified checksums, as S3 answers an UploadPart. */
export function partHeaders(part: PartInfo): Record<string, string> {
  const headers: Record<string, string> = { etag: part.etag };
  for (const [algorithm, value] of Object.entries(part.checksums)) headers[`x-amz-checksum-${algorithm.toLowerCase()}`] = value;
  return headers;
}
