import { Readable } from 'node:stream';
import { KeyLock } from '../key-lock.ts';
import type { ObjectMetadata, ObjectStore, PutHeaders, PutOptions, StoredObject } from '../object-store.ts';
import { KeyIndex, type ObjectSummary } from './key-index.ts';
import { s3Errors } from './errors.ts';
import { S3Error } from './contract.ts';

/*
 * S3's namespace inside the ObjectStore. cdnsim's own API refuses NUL in keys, and S3 keys
 * refuse it here too, so a store key that begins with NUL can only be S3's and the two APIs
 * never name the same file.
 */
const OBJECT_PREFIX = '\u0000s3\u0000';
const BUCKET_PREFIX = '\u0000s3-bucket\u0000';

function objectStoreKey(bucket: string, key: string): string {
  return `${OBJECT_PREFIX}${bucket}\u0000${key}`;
}

export interface BucketInfo {
  name: string;
  created: number;
}

interface BucketEntry {
  info: BucketInfo;
  keys: KeyIndex;
  /** Writes under way: not in the index yet, but the bucket is not empty while they run. */
  writing: number;
}

/** The current object (if any) a conditional write checks; throwing refuses the write. */
export type WritePrecondition = (current: ObjectMetadata | undefined) => void;

export interface BucketPutOptions extends PutOptions {
  precondition?: WritePrecondition;
}

/**
 * S3 buckets and their objects over the ObjectStore. Each bucket keeps a sorted index of its
 * keys in memory (ListObjectsV2 pages through it), rebuilt from the store's files at start.
 * Writes and deletes of one key run one at a time, so a conditional write checks and replaces
 * atomically and the index always agrees with the disk.
 */
export class BucketStore {
  readonly #store: ObjectStore;
  readonly #buckets = new Map<string, BucketEntry>();
  readonly #locks = new KeyLock();
  readonly #changeListeners: ((bucket: string, key: string) => void)[] = [];

  private constructor(store: ObjectStore) {
    this.#store = store;
  }

  static async open(store: ObjectStore): Promise<BucketStore> {
    const buckets = new BucketStore(store);
    const objects: ObjectMetadata[] = [];
    for await (const meta of store.entries()) {
      if (meta.key.startsWith(BUCKET_PREFIX)) {
        const name = meta.key.slice(BUCKET_PREFIX.length);
        buckets.#buckets.set(name, { info: { name, created: meta.lastModified }, keys: new KeyIndex(), writing: 0 });
      } else if (meta.key.startsWith(OBJECT_PREFIX)) {
        objects.push(meta);
      }
    }
    for (const meta of objects) {
      const rest = meta.key.slice(OBJECT_PREFIX.length);
      const split = rest.indexOf('\u0000');
      // An object whose bucket record is gone (a crash between the two deletes) stays unlisted.
      buckets.#buckets.get(rest.slice(0, split))?.keys.set(summaryOf(rest.slice(split + 1), meta));
    }
    return buckets;
  }

  has(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  list(): BucketInfo[] {
    return [...this.#buckets.values()].map(({ info }) => info).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Creates a bucket; false when it already exists. */
  async create(name: string): Promise<boolean> {
    return this.#locks.run(BUCKET_PREFIX + name, async () => {
      if (this.#buckets.has(name)) return false;
      const { meta } = await this.#store.put(BUCKET_PREFIX + name, { contentType: 'application/octet-stream' }, Readable.from([]), 0);
      this.#buckets.set(name, { info: { name, created: meta.lastModified }, keys: new KeyIndex(), writing: 0 });
      return true;
    });
  }

  async deleteBucket(name: string): Promise<void> {
    return this.#locks.run(BUCKET_PREFIX + name, async () => {
      const bucket = this.#buckets.get(name);
      if (!bucket) throw s3Errors.noSuchBucket(name);
      if (bucket.keys.size > 0 || bucket.writing > 0) {
        throw new S3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', { BucketName: name });
      }
      await this.#store.delete(BUCKET_PREFIX + name);
      this.#buckets.delete(name);
    });
  }

  /** The bucket's key index; NoSuchBucket when there is none. */
  keys(bucket: string): KeyIndex {
    return this.#entry(bucket).keys;
  }

  #entry(bucket: string): BucketEntry {
    const found = this.#buckets.get(bucket);
    if (!found) throw s3Errors.noSuchBucket(bucket);
    return found;
  }

  /** Opens an object; the caller must consume or release it. */
  async get(bucket: string, key: string): Promise<StoredObject | undefined> {
    this.keys(bucket);
    return this.#store.get(objectStoreKey(bucket, key));
  }

  async head(bucket: string, key: string): Promise<ObjectMetadata | undefined> {
    const object = await this.get(bucket, key);
    object?.release();
    return object;
  }

  /** Calls `listener` after each object written or deleted (purgeOnWrite). */
  onChange(listener: (bucket: string, key: string) => void): void {
    this.#changeListeners.push(listener);
  }

  #changed(bucket: string, key: string): void {
    for (const listener of this.#changeListeners) listener(bucket, key);
  }

  /** Stores an object whole or not at all, after `precondition` accepted the current one. */
  async put(
    bucket: string,
    key: string,
    headers: PutHeaders,
    body: Readable,
    maxBytes: number,
    options: BucketPutOptions = {},
  ): Promise<ObjectMetadata> {
    const entry = this.#entry(bucket);
    // Counted from now, so that DeleteBucket cannot remove the bucket under a write in flight.
    entry.writing++;
    try {
      return await this.#locks.run(objectStoreKey(bucket, key), async () => {
        if (options.precondition) options.precondition(await this.head(bucket, key));
        const { meta } = await this.#store.put(objectStoreKey(bucket, key), headers, body, maxBytes, options);
        entry.keys.set(summaryOf(key, meta));
        this.#changed(bucket, key);
        return meta;
      });
    } finally {
      entry.writing--;
    }
  }

  /** Deletes an object; S3 answers the same whether or not it existed. */
  async delete(bucket: string, key: string): Promise<void> {
    const keys = this.keys(bucket);
    await this.#locks.run(objectStoreKey(bucket, key), async () => {
      await this.#store.delete(objectStoreKey(bucket, key));
      keys.delete(key);
      this.#changed(bucket, key);
    });
  }
}

function summaryOf(key: string, meta: ObjectMetadata): ObjectSummary {
  return {
    key,
    etag: meta.etag,
    size: meta.size,
    lastModified: meta.lastModified,
    checksumAlgorithms: Object.keys(meta.checksums ?? {}),
  };
}
