import { createHash } from 'node:crypto';
import { appendJsonTrailerAndSync, readJsonTrailer } from '../../json-trailer.ts';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { S3Error, type ChecksumAlgorithm } from '../contract.ts';

/** One stored part, as ListParts and CompleteMultipartUpload see it. */
export interface PartInfo {
  partNumber: number;
  /** Quoted hex MD5 of the part's bytes, as S3 gives a part. */
  etag: string;
  size: number;
  lastModified: number;
  /** Base64 checksums the upload's payload carried and the authenticator verified. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}


/**
 * A part is ONE file: its bytes, then its PartInfo as JSON, then the JSON's length (4 bytes,
 * big-endian). Data and description are renamed into place together, so a part is never seen
 * with another part's ETag, and a reader holding the file open keeps a consistent version.
 */
export async function writePartFile(
  tmp: string,
  partNumber: number,
  body: Readable,
  maxBytes: number,
  checksums: Promise<PartInfo['checksums']>,
): Promise<PartInfo> {
  // Looked at only once the body has ended; a body that fails first leaves it unread, not unhandled.
  checksums.catch(() => undefined);
  const md5 = createHash('md5');
  let size = 0;
  const out = createWriteStream(tmp, { flags: 'wx' });
  const failed = new Promise<never>((_resolve, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > maxBytes) throw new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(maxBytes) });
      md5.update(buffer);
      if (!out.write(buffer)) await Promise.race([new Promise<void>((resolve) => out.once('drain', () => resolve())), failed]);
    }
    await Promise.race([new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve()))), failed]);
    const info: PartInfo = { partNumber, etag: `"${md5.digest('hex')}"`, size, lastModified: Date.now(), checksums: await checksums };
    await appendJsonTrailerAndSync(tmp, info);
    return info;
  } catch (error) {
    out.destroy();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}


/** A part held open: its description and its bytes from the same file version. */
export interface OpenPart {
  info: PartInfo;
  /** The part's bytes (all, or `start`..`end` inclusive); the stream closes the file when done. */
  openBody(start?: number, end?: number): Readable;
  /** Closes the file when no body is read. */
  release(): Promise<void>;
}

export async function openPartFile(file: string): Promise<OpenPart | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const info = await readJsonTrailer<PartInfo>(handle);
    let released = false;
    return {
      info,
      openBody: (start = 0, end = info.size - 1) => {
        released = true;
        if (end < start) {
          // An empty part (or range): createReadStream has no way to read zero bytes.
          void handle.close();
          return Readable.from([]);
        }
        return createReadStream('', { fd: handle, start, end, autoClose: true });
      },
      release: async () => {
        if (!released) {
          released = true;
          await handle.close();
        }
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

