import { Readable } from 'node:stream';
import { S3Error, type S3Request } from '../contract.ts';
import { compositeChecksum, compositeEtag } from './composite.ts';
import type { MultipartAnswer, MultipartContext } from './context.ts';
import { MAX_OBJECT_BYTES, MIN_PART_BYTES } from './limits.ts';
import { entityTooLarge, headerOf, requireUpload } from './lookups.ts';
import type { OpenPart, PartInfo } from './part-file.ts';
import type { Upload } from './upload-store.ts';
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
    const open = await ctx.uploads.openParts(current);
    let chosen: OpenPart[];
    try {
      chosen = choose(requested, open, Math.min(MAX_OBJECT_BYTES, ctx.maxObjectBytes));
    } catch (error) {
      await Promise.all(open.map((part) => part.release()));
      throw error;
    }
    await Promise.all(open.filter((part) => !chosen.includes(part)).map((part) => part.release()));
    const infos = chosen.map((part) => part.info);
    const etag = compositeEtag(infos);
    const checksum = current.checksumAlgorithm ? compositeChecksum(current.checksumAlgorithm, infos) : undefined;
    const size = infos.reduce((total, part) => total + part.size, 0);
    try {
      const checksums = current.checksumAlgorithm && checksum ? { [current.checksumAlgorithm]: checksum } : {};
      await ctx.objects.putCompleted(current.bucket, current.key, current.headers, concatenate(chosen), { etag, checksums, size });
    } finally {
      // Parts the write never reached (it failed before them) are still open.
      await Promise.all(chosen.map((part) => part.release()));
    }
    await ctx.uploads.retire(current);
    return answer(request, current, etag, checksum);
  });
}

/** The stored parts the body names, checked against S3's rules, in order. */
function choose(requested: readonly RequestedPart[], open: readonly OpenPart[], maxObjectBytes: number): OpenPart[] {
  const byNumber = new Map(open.map((part) => [part.info.partNumber, part]));
  const chosen: OpenPart[] = [];
  let total = 0;
  requested.forEach((wanted, index) => {
    const previous = requested[index - 1];
    if (previous && wanted.partNumber <= previous.partNumber) {
      throw new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    const part = byNumber.get(wanted.partNumber);
    if (!part || !sameEtag(part.info, wanted) || !sameChecksums(part.info, wanted)) {
      throw new S3Error(
        'InvalidPart',
        400,
        "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
        { PartNumber: String(wanted.partNumber), ETag: wanted.etag },
      );
    }
    chosen.push(part);
    total += part.info.size;
  });
  chosen.slice(0, -1).forEach((part) => {
    if (part.info.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed size', {
        ProposedSize: String(part.info.size),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(part.info.partNumber),
        ETag: unquote(part.info.etag),
      });
    }
  });
  if (total > maxObjectBytes) throw entityTooLarge(maxObjectBytes, total);
  return chosen;
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

/** The parts' bytes one after another; a part not yet reached is closed if the reader stops early. */
function concatenate(parts: readonly OpenPart[]): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    let next = 0;
    try {
      for (; next < parts.length; next++) {
        for await (const chunk of parts[next]!.openBody()) yield chunk as Buffer;
      }
    } finally {
      for (const part of parts.slice(next + 1)) await part.release();
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

async function readBody(ctx: MultipartContext): Promise<string> {
  const payload = ctx.openPayload();
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
