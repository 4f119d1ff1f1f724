import { createHash, randomBytes } from 'node:crypto';
import { appendJsonTrailerAndSync, readJsonTrailer } from './json-trailer.ts';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ServableObject } from './servable-object.ts';

export interface ObjectMetadata {
  key: string;
  contentType: string;
  cacheControl?: string;
  surrogateKey?: string;
  /** S3 objects also keep these representation headers, as S3 stores them with the object. */
  contentEncoding?: string;
  contentDisposition?: string;
  expires?: string;
  /** x-amz-meta-* values by their lower-case name after the prefix. */
  userMetadata?: Record<string, string>;
  /** Whole-object checksums (base64) by algorithm name, verified when the body arrived. */
  checksums?: Record<string, string>;
  etag: string;
  lastModified: number;
  size: number;
}

export type PutHeaders = Pick<
  ObjectMetadata,
  'contentType' | 'cacheControl' | 'surrogateKey' | 'contentEncoding' | 'contentDisposition' | 'expires' | 'userMetadata'
>;

/** An object opened for reading: what it is, and its bytes. */
export type StoredObject = ServableObject & ObjectMetadata;

export interface PutOptions {
  /**
   * How the ETag is made. Default: cdnsim's tag from the body's SHA-256. 'md5': the hex MD5 of
   * the body, as S3 tags single-PUT objects (clients such as s3cmd and rclone compare it to their
   * own MD5). { fixed }: this tag as given (a multipart object's composite "<md5>-N").
   */
  etag?: 'sha256' | 'md5' | { fixed: string };
  /**
   * Runs once the body has ended, before the object becomes visible: what it returns joins the
   * metadata, and if it throws nothing is written (a checksum that did not match, say).
   */
  beforeCommit?: () => Promise<Pick<ObjectMetadata, 'checksums'>>;
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}


/**
 * A durable object store on disk. Each object is ONE file: the body, then its metadata as JSON,
 * then the metadata's length (4 bytes, big-endian). Writing the metadata after the body lets a
 * PUT stream and hash the body in one pass; one file per object means one rename replaces body
 * and metadata together, and a reader that opened the file keeps a consistent (old) version.
 * File names are the SHA-256 of the key, so no key can name a path outside the store.
 */
export class ObjectStore {
  readonly #objectsDir: string;
  readonly #tmpDir: string;

  private constructor(dataDir: string) {
    this.#objectsDir = path.join(dataDir, 'objects');
    this.#tmpDir = path.join(dataDir, 'tmp');
  }

  static async open(dataDir: string): Promise<ObjectStore> {
    const store = new ObjectStore(dataDir);
    await mkdir(store.#objectsDir, { recursive: true });
    // Leftovers of writes interrupted by a crash: never visible as objects, safe to drop.
    await rm(store.#tmpDir, { recursive: true, force: true });
    await mkdir(store.#tmpDir, { recursive: true });
    return store;
  }

  #pathOf(key: string): { dir: string; file: string } {
    const hash = createHash('sha256').update(key).digest('hex');
    const dir = path.join(this.#objectsDir, hash.slice(0, 2));
    return { dir, file: path.join(dir, hash) };
  }

  /** Streams `body` into the store; returns the new metadata and whether an object was replaced. */
  async put(
    key: string,
    headers: PutHeaders,
    body: Readable,
    maxBytes: number,
    options: PutOptions = {},
  ): Promise<{ meta: ObjectMetadata; replaced: boolean }> {
    const { dir, file } = this.#pathOf(key);
    const tmp = path.join(this.#tmpDir, `${randomBytes(12).toString('hex')}.tmp`);
    const etagStyle = options.etag ?? 'sha256';
    const hash = createHash(etagStyle === 'md5' ? 'md5' : 'sha256');
    let size = 0;
    const out = createWriteStream(tmp, { flags: 'wx' });
    try {
      for await (const chunk of body) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
        hash.update(buffer);
        if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      const verified = options.beforeCommit ? await options.beforeCommit() : {};
      const meta: ObjectMetadata = {
        key,
        ...definedFields(headers),
        contentType: headers.contentType,
        ...definedFields(verified),
        etag: etagOf(etagStyle, hash),
        lastModified: Date.now(),
        size,
      };
      await appendJsonTrailerAndSync(tmp, meta);
      await mkdir(dir, { recursive: true });
      const replaced = await exists(file);
      await rename(tmp, file);
      await syncDirectory(dir);
      return { meta, replaced };
    } catch (error) {
      // A write refused on its first chunk can come before the temp file's open has finished:
      // wait for the stream to close, or the open would create the file after the unlink.
      if (!out.closed) {
        const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
        out.destroy();
        await closed;
      }
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  /** Opens an object for reading; the caller must consume or release it. */
  async get(key: string): Promise<StoredObject | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.#pathOf(key).file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const meta = await readJsonTrailer<ObjectMetadata>(handle);
      let released = false;
      return {
        ...meta,
        openBody: (start, end) => {
          released = true;
          // The stream owns the handle from here and closes it when done or destroyed.
          return createReadStream('', { fd: handle, start, end, autoClose: true });
        },
        release: () => {
          if (!released) {
            released = true;
            void handle.close();
          }
        },
      };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(key: string): Promise<boolean> {
    const { dir, file } = this.#pathOf(key);
    try {
      await unlink(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    await syncDirectory(dir);
    return true;
  }

  /**
   * The metadata of every stored object, in no particular order (file names are hashes, so
   * this is how a key index is rebuilt at start). A file that vanishes meanwhile is skipped.
   */
  async *entries(): AsyncGenerator<ObjectMetadata> {
    for (const shard of await readdir(this.#objectsDir)) {
      let names: string[];
      try {
        names = await readdir(path.join(this.#objectsDir, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        let handle: FileHandle;
        try {
          handle = await open(path.join(this.#objectsDir, shard, name), 'r');
        } catch {
          continue;
        }
        try {
          yield await readJsonTrailer<ObjectMetadata>(handle);
        } finally {
          await handle.close();
        }
      }
    }
  }

  /** Names of temp files now in flight or left behind (tests check that failed writes clean up). */
  async pendingTempFiles(): Promise<string[]> {
    return readdir(this.#tmpDir);
  }
}

function etagOf(style: NonNullable<PutOptions['etag']>, hash: ReturnType<typeof createHash>): string {
  if (typeof style === 'object') return style.fixed;
  return style === 'md5' ? `"${hash.digest('hex')}"` : `"${hash.digest('base64url').slice(0, 27)}"`;
}

/** The fields that hold a value: no "undefined" or empty string lands in the stored JSON. */
function definedFields<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== '')) as Partial<T>;
}



/** Makes a rename or unlink durable: the directory entry itself must reach the disk. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await (await open(file, 'r')).close();
    return true;
  } catch {
    return false;
  }
}
