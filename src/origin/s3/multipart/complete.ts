import { Readable } from 'node:stream';
import { S3Error, type S3Request } from '../contract.ts';
import { compositeChecksum, compositeEtag } from './composite.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { MAX_OBJECT_BYTES, MIN_PART_BYTES } from './limits.ts';
import { entityTooLarge, headerOf, requireUpload } from './lookups.ts';
import type { PartInfo } from './part-file.ts';
import type { Upload, UploadStore } from './upload-store.ts';
import { parseCompleteBody, s3Document, unquote, type RequestedPart } from './xml.ts';

/** 10,000 <Part>s with a checksum each stay well under this; more is not a Complete body. */
const MAX_COMPLETE_BODY_BYTES = 4 * 1024 ** 2;

/**
 * CompleteMultipartUpload. Crash safety, step by step: until the object store's rename the object
 * is as it was and the upload with all its parts is intact (a retried Complete starts over); the
 * rename makes the whole object visible at once; only then is the upload retired (its directory
 * renamed away, then removed). A crash between those two leaves the complete object AND the
 * upload, which a retried Complete rewrites with the same bytes, or which an Abort removes; never
 * a torn object. test/s3-multipart.test.ts kills a child process mid-complete to check it.
 */
export async function completeMultipartUpload(request: S3Request, ctx: MultipartContext): Promise<MultipartAnswer> {
  const requested = parseCompleteBody(await readBody(ctx));
  const upload = await requireUpload(request, ctx);
  return ctx.uploads.exclusive(upload.uploadId, async () => {
    const current = await requireUpload(request, ctx);
    const chosen = choose(requested, await ctx.uploads.parts(current), Math.min(MAX_OBJECT_BYTES, ctx.maxObjectBytes));
    const etag = compositeEtag(chosen);
    const checksum = current.checksumAlgorithm ? compositeChecksum(current.checksumAlgorithm, chosen) : undefined;
    const checksums = current.checksumAlgorithm && checksum ? { [current.checksumAlgorithm]: checksum } : {};
    const size = chosen.reduce((total, part) => total + part.size, 0);
    await ctx.objects.putCompleted(current.bucket, current.key, current.headers, concatenate(ctx.uploads, current, chosen), { etag, checksums, size });
    await ctx.uploads.retire(current);
    return answer(request, current, etag, checksum);
  });
}

/** The stored parts the body names, checked against S3's rules, in order. */
function choose(requested: readonly RequestedPart[], stored: readonly PartInfo[], maxObjectBytes: number): PartInfo[] {
  const byNumber = new Map(stored.map((part) => [part.partNumber, part]));
  const chosen: PartInfo[] = [];
  let total = 0;
  requested.forEach((wanted, index) => {
    const previous = requested[index - 1];
    if (previous && wanted.partNumber <= previous.partNumber) {
      throw new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    const part = byNumber.get(wanted.partNumber);
    if (!part || !sameEtag(part, wanted) || !sameChecksums(part, wanted)) throw invalidPart(wanted.partNumber, wanted.etag);
    chosen.push(part);
    total += part.size;
  });
  chosen.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed size', {
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(part.partNumber),
        ETag: unquote(part.etag),
      });
    }
  });
  if (total > maxObjectBytes) throw entityTooLarge(maxObjectBytes, total);
  return chosen;
}

function invalidPart(partNumber: number, etag: string): S3Error {
  return new S3Error(
    'InvalidPart',
    400,
    "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
    { PartNumber: String(partNumber), ETag: unquote(etag) },
  );
}

function sameEtag(part: PartInfo, wanted: RequestedPart): boolean {
  return unquote(part.etag).toLowerCase() === wanted.etag.toLowerCase();
}

/** A checksum the client names for a part must be the one its upload carried. */
function sameChecksums(part: PartInfo, wanted: RequestedPart): boolean {
  return Object.entries(wanted.checksums).every(([algorithm, value]) => {
    const stored = part.checksums[algorithm as keyof PartInfo['checksums']];
    return stored === undefined || stored === value;
  });
}

/**
 * The parts' bytes one after another, each opened only when reached (one file descriptor at a
 * time, however many parts). A part uploaded again since it was chosen fails the stream, and so
 * the write: the object is made of the parts the client named or not at all.
 */
function concatenate(uploads: UploadStore, upload: Upload, parts: readonly PartInfo[]): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    for (const chosen of parts) {
      const part = await uploads.openPart(upload, chosen.partNumber);
      if (!part || part.info.etag !== chosen.etag) {
        await part?.release();
        throw invalidPart(chosen.partNumber, chosen.etag);
      }
      for await (const chunk of part.openBody()) yield chunk as Buffer;
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

async function readBody(ctx: MultipartContext): Promise<string> {
  const payload = ctx.openPayload();
  payload.checksums.catch(() => undefined);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_COMPLETE_BODY_BYTES) throw new S3Error('MaxMessageLengthExceeded', 400, 'Your request was too big.');
    chunks.push(chunk as Buffer);
  }
  await payload.checksums;
  return Buffer.concat(chunks).toString('utf8');
}

function answer(request: S3Request, upload: Upload, etag: string, checksum: string | undefined): MultipartAnswer {
  const host = headerOf(request, 'host') ?? 'localhost';
  const location = request.addressing === 'virtual-hosted'
    ? `http://${host}/${encodeKey(upload.key)}`
    : `http://${host}/${upload.bucket}/${encodeKey(upload.key)}`;
  const checksumField = upload.checksumAlgorithm && checksum ? { [`Checksum${upload.checksumAlgorithm}`]: checksum } : {};
  return {
    status: 200,
    headers: {
      'content-type': 'application/xml',
      ...(upload.checksumAlgorithm && checksum ? { [`x-amz-checksum-${upload.checksumAlgorithm.toLowerCase()}`]: checksum } : {}),
    },
    body: s3Document('CompleteMultipartUploadResult', { Location: location, Bucket: upload.bucket, Key: upload.key, ETag: etag, ...checksumField }),
  };
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
