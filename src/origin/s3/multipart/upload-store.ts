import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { KeyLock } from '../../key-lock.ts';
import { S3Error, type ChecksumAlgorithm } from '../contract.ts';
import type { PutHeaders } from '../../object-store.ts';
import { openPartFile, writePartFile, type OpenPart, type PartInfo } from './part-file.ts';

/** An upload in progress, as CreateMultipartUpload recorded it. */
export interface Upload {
  uploadId: string;
  bucket: string;
  key: string;
  /** The headers the completed object keeps. */
  headers: PutHeaders;
  /** x-amz-checksum-algorithm of the Create, if any (parts then carry that checksum). */
  checksumAlgorithm?: ChecksumAlgorithm;
  initiator: string;
  /** Milliseconds since the epoch. */
  initiated: number;
}

const UPLOAD_FILE = 'upload.json';
/** An upload directory being created: not an upload until renamed to its id. */
const PENDING_SUFFIX = '.pending';
/** An upload completed or aborted, its directory renamed before its removal. */
const RETIRED_SUFFIX = '.retired';
const TMP_SUFFIX = '.tmp';
/** Upload ids are 48 hex digits, so an id from a request can never name another path. */
const UPLOAD_ID = /^[0-9a-f]{48}$/;

export function noSuchUpload(uploadId: string): S3Error {
  return new S3Error(
    'NoSuchUpload',
    404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId },
  );
}

/**
 * The uploads in progress and their parts, on disk under one directory of the origin's data
 * directory (beside, never inside, the object store's): one directory per upload holding
 * upload.json and one file per part. Every step that makes something visible is a rename followed
 * by a directory fsync, so after a crash each upload and each part is whole or absent.
 */
export class UploadStore {
  readonly #root: string;
  readonly #uploads = new Map<string, Upload>();
  readonly #locks = new KeyLock();

  private constructor(root: string) {
    this.#root = root;
  }

  static async open(root: string): Promise<UploadStore> {
    const store = new UploadStore(root);
    await mkdir(root, { recursive: true });
    for (const entry of await readdir(root, { withFileTypes: true })) {
      const dir = path.join(root, entry.name);
      if (!entry.isDirectory()) continue;
      // Half-created and already-finished uploads were never (or are no longer) visible.
      if (entry.name.endsWith(PENDING_SUFFIX) || entry.name.endsWith(RETIRED_SUFFIX)) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (!UPLOAD_ID.test(entry.name)) continue;
      const upload = JSON.parse(await readFile(path.join(dir, UPLOAD_FILE), 'utf8')) as Upload;
      store.#uploads.set(upload.uploadId, upload);
      // Parts whose write a crash interrupted.
      for (const name of await readdir(dir)) {
        if (name.endsWith(TMP_SUFFIX)) await rm(path.join(dir, name), { force: true });
      }
    }
    return store;
  }

  async create(fields: Omit<Upload, 'uploadId' | 'initiated'>): Promise<Upload> {
    const initiated = Date.now();
    // The time first, so ids sort as uploads were initiated: ListMultipartUploads lists a key's
    // uploads by initiation and pages with upload-id-marker by id, and the two orders agree.
    const uploadId = initiated.toString(16).padStart(12, '0') + randomBytes(18).toString('hex');
    const upload: Upload = { ...fields, uploadId, initiated };
    const pending = path.join(this.#root, `${upload.uploadId}${PENDING_SUFFIX}`);
    await mkdir(pending);
    const file = path.join(pending, UPLOAD_FILE);
    await writeFile(file, JSON.stringify(upload));
    await syncPath(file);
    await syncPath(pending);
    await rename(pending, this.#dirOf(upload.uploadId));
    await syncPath(this.#root);
    this.#uploads.set(upload.uploadId, upload);
    return upload;
  }

  /** The upload with this id, if it is in progress for this bucket and key. */
  find(uploadId: string, bucket: string, key: string): Upload | undefined {
    const upload = UPLOAD_ID.test(uploadId) ? this.#uploads.get(uploadId) : undefined;
    return upload && upload.bucket === bucket && upload.key === key ? upload : undefined;
  }

  /** Uploads in progress in a bucket, in ListMultipartUploads' order: by key, then by initiation. */
  inBucket(bucket: string): Upload[] {
    return [...this.#uploads.values()]
      .filter((upload) => upload.bucket === bucket)
      .sort((a, b) => compare(a.key, b.key) || compare(a.uploadId, b.uploadId));
  }

  /** Runs Complete and Abort of one upload one after the other, never both at once. */
  exclusive<T>(uploadId: string, task: () => Promise<T>): Promise<T> {
    return this.#locks.run(uploadId, task);
  }

  /** Stores a part durably, replacing a part of the same number (as S3 does). */
  async writePart(upload: Upload, partNumber: number, body: Readable, maxBytes: number, checksums: Promise<PartInfo['checksums']>): Promise<PartInfo> {
    const dir = this.#dirOf(upload.uploadId);
    const tmp = path.join(dir, `${randomBytes(12).toString('hex')}${TMP_SUFFIX}`);
    let info: PartInfo;
    try {
      info = await writePartFile(tmp, partNumber, body, maxBytes, checksums);
      await rename(tmp, path.join(dir, partFileName(partNumber)));
    } catch (error) {
      // The upload was completed or aborted while this part was on its way.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchUpload(upload.uploadId);
      throw error;
    }
    await syncPath(dir);
    return info;
  }

  /** The upload's parts, by part number (read a few at a time: an upload may have 10,000). */
  async parts(upload: Upload): Promise<PartInfo[]> {
    const dir = this.#dirOf(upload.uploadId);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((name) => PART_FILE.test(name)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchUpload(upload.uploadId);
      throw error;
    }
    const infos: PartInfo[] = [];
    for (let start = 0; start < names.length; start += PARTS_READ_AT_ONCE) {
      const batch = names.slice(start, start + PARTS_READ_AT_ONCE);
      const opened = await Promise.all(batch.map((name) => openPartFile(path.join(dir, name))));
      for (const part of opened) {
        // A part file vanishes between readdir and open only if the upload is retired meanwhile.
        if (!part) continue;
        infos.push(part.info);
        await part.release();
      }
    }
    return infos;
  }

  /** One part held open (its description and bytes from the same file version), if it exists. */
  async openPart(upload: Upload, partNumber: number): Promise<OpenPart | undefined> {
    return openPartFile(path.join(this.#dirOf(upload.uploadId), partFileName(partNumber)));
  }

  /**
   * Ends an upload (completed or aborted): from the rename on it is gone, whatever a crash
   * leaves of its files, which the next open removes.
   */
  async retire(upload: Upload): Promise<void> {
    if (!this.#uploads.delete(upload.uploadId)) throw noSuchUpload(upload.uploadId);
    const retired = path.join(this.#root, `${upload.uploadId}${RETIRED_SUFFIX}`);
    await rename(this.#dirOf(upload.uploadId), retired);
    await syncPath(this.#root);
    await rm(retired, { recursive: true, force: true });
  }

  #dirOf(uploadId: string): string {
    return path.join(this.#root, uploadId);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const PART_FILE = /^part-\d{5}$/;
/** Part files open at once while listing: enough to overlap the reads, few enough for any fd limit. */
const PARTS_READ_AT_ONCE = 32;

function partFileName(partNumber: number): string {
  return `part-${String(partNumber).padStart(5, '0')}`;
}

/** fsync of a file or a directory (a directory's fsync makes its renames and new entries durable). */
async function syncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
