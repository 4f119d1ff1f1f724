import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { MAX_SYNTHETIC_BYTES, MAX_SYNTHETIC_TTL_SECONDS } from '../workload/synthetic-limits.ts';
import type { ServableObject } from './servable-object.ts';

const DEFAULT_BYTES = 1024;
const DEFAULT_TTL_SECONDS = 3600;
const CHUNK_BYTES = 64 * 1024;
/** Fixed, so that every origin process gives the same validators for the same object. */
const SYNTHETIC_LAST_MODIFIED = Date.UTC(2026, 0, 1);

interface SyntheticIdentity {
  seed: Buffer;
  etag: string;
  /** The whole body, kept when it is one block: a miss then costs no hashing and no generating. */
  body: Buffer | undefined;
}

/**
 * A load test asks for the same objects again and again (every edge misses each one), and two
 * SHA-256s plus the generator were most of what a synthetic miss cost. Bounded in bytes.
 */
const identities = new LRUCache<string, SyntheticIdentity>({
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: (identity) => 256 + (identity.body?.length ?? 0),
});

function identityOf(id: string, bytes: number): SyntheticIdentity {
  const cacheKey = `${id}:${bytes}`;
  let identity = identities.get(cacheKey);
  if (identity === undefined) {
    const seed = createHash('sha256').update(id).digest();
    identity = {
      seed,
      etag: `"gen-${createHash('sha256').update(cacheKey).digest('base64url').slice(0, 22)}"`,
      body: bytes > 0 && bytes <= CHUNK_BYTES ? fillBlock(seed, 0, bytes).subarray(0, bytes) : undefined,
    };
    identities.set(cacheKey, identity);
  }
  return identity;
}

export type SyntheticResult = { object: ServableObject } | { error: string };

/**
 * `/gen/<id>?bytes=N&ttl=S`: N bytes that depend only on id (the same in every process and run),
 * `Cache-Control: public, max-age=S`; with `nostore=1`, `Cache-Control: no-store` instead (the
 * uncacheable share of a load test).
 */
export function syntheticObject(id: string, query: URLSearchParams): SyntheticResult {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(id)) return { error: 'id must be 1-128 characters of A-Z a-z 0-9 . _ -' };
  const bytes = integerParam(query.get('bytes'), DEFAULT_BYTES, MAX_SYNTHETIC_BYTES);
  if (bytes === undefined) return { error: `bytes must be an integer from 0 to ${MAX_SYNTHETIC_BYTES}` };
  const ttl = integerParam(query.get('ttl'), DEFAULT_TTL_SECONDS, MAX_SYNTHETIC_TTL_SECONDS);
  if (ttl === undefined) return { error: `ttl must be an integer from 0 to ${MAX_SYNTHETIC_TTL_SECONDS}` };
  const noStore = query.get('nostore');
  if (noStore !== null && noStore !== '0' && noStore !== '1') return { error: 'nostore must be 0 or 1' };
  const { seed, etag, body } = identityOf(id, bytes);
  return {
    object: {
      etag,
      lastModified: SYNTHETIC_LAST_MODIFIED,
      contentType: 'application/octet-stream',
      cacheControl: noStore === '1' ? 'no-store' : `public, max-age=${ttl}`,
      size: bytes,
      openBody: (start, end) => Readable.from(generate(seed, start, end)),
      bodyBytes: body === undefined ? undefined : (start, end) => body.subarray(start, end + 1),
      release: () => undefined,
    },
  };
}

function integerParam(value: string | null, fallback: number, max: number): number | undefined {
  if (value === null) return fallback;
  if (!/^\d{1,12}$/.test(value)) return undefined;
  const number = Number(value);
  return number <= max ? number : undefined;
}

/**
 * Bytes start..end of the stream for `seed`: each 64 KiB block is filled by xorshift32 seeded
 * from (seed, block number), so any range can be produced without generating what precedes it.
 */
function* generate(seed: Buffer, start: number, end: number): Generator<Buffer> {
  const firstBlock = Math.floor(start / CHUNK_BYTES);
  const lastBlock = Math.floor(end / CHUNK_BYTES);
  for (let block = firstBlock; block <= lastBlock; block++) {
    const from = block === firstBlock ? start - block * CHUNK_BYTES : 0;
    const to = block === lastBlock ? end - block * CHUNK_BYTES + 1 : CHUNK_BYTES;
    // A block's bytes come from one sequential stream, so its first `to` bytes need no more.
    yield fillBlock(seed, block, to).subarray(from, to);
  }
}

function fillBlock(seed: Buffer, block: number, length: number): Buffer {
  const words = Math.ceil(length / 4);
  const data = Buffer.allocUnsafe(words * 4);
  let state = (seed.readUInt32LE(0) ^ Math.imul(block + 1, 0x9e3779b1)) >>> 0 || 1;
  for (let offset = 0; offset < words * 4; offset += 4) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    data.writeUInt32LE(state, offset);
  }
  return data;
}
