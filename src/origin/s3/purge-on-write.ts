import { Counter, type Registry } from 'prom-client';
import { request } from 'undici';

/** The URL (router or edge) a purgeOnWrite bucket's writes are purged at, for an origin run alone. */
export const PURGE_URL_ENV = 'CDNSIM_PURGE_URL';
/** A file that will hold that URL: the supervisor writes it once the router listens, after the origin started. */
export const PURGE_URL_FILE_ENV = 'CDNSIM_PURGE_URL_FILE';

export interface PurgeOnWriteOptions {
  /** Buckets whose writes and deletes purge the key (origin.s3.buckets[].purgeOnWrite). */
  buckets: ReadonlySet<string>;
  /** Where POST /_cdn/purge goes (the router, which tells every edge); undefined while not known. */
  target: () => string | undefined;
  adminToken: string | undefined;
  registry: Registry;
  timeoutMs?: number;
}

/** What the edges key an object on: its key, each segment percent-encoded as a browser sends it. */
export function viewerPathOf(key: string): string {
  return `/${key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/')}`;
}

/**
 * S3 event notification -> invalidation, as a CloudFront set-up wires it with a Lambda: each write
 * or delete of a purgeOnWrite bucket's key purges that path at every edge. Keys changed in the same
 * tick go in one purge (a sync writes many); the write's answer never waits for it.
 */
export class PurgeOnWrite {
  readonly #options: PurgeOnWriteOptions;
  readonly #notifications: Counter<'bucket' | 'result'>;
  readonly #pending = new Map<string, Set<string>>();
  #scheduled: Promise<void> | undefined;

  constructor(options: PurgeOnWriteOptions) {
    this.#options = options;
    this.#notifications = new Counter({
      name: 'cdn_origin_purge_notifications_total',
      help: 'Purges the origin sent to the edges for writes and deletes of purgeOnWrite buckets, by bucket and result (ok, failed, no_target).',
      labelNames: ['bucket', 'result'],
      registers: [options.registry],
    });
  }

  /** Called after a key of `bucket` was written or deleted. */
  changed(bucket: string, key: string): void {
    if (!this.#options.buckets.has(bucket)) return;
    const keys = this.#pending.get(bucket) ?? new Set<string>();
    keys.add(key);
    this.#pending.set(bucket, keys);
    this.#scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#send());
  }

  /** Settles when the purges scheduled so far were sent (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.#scheduled) await this.#scheduled;
  }

  async #send(): Promise<void> {
    const batches = [...this.#pending];
    this.#pending.clear();
    this.#scheduled = undefined;
    await Promise.all(batches.map(([bucket, keys]) => this.#purge(bucket, [...keys])));
  }

  async #purge(bucket: string, keys: string[]): Promise<void> {
    const target = this.#options.target();
    if (target === undefined || !this.#options.adminToken) {
      this.#notifications.inc({ bucket, result: 'no_target' });
      return;
    }
    // index.html is also what the edges serve for `/` (their default root object).
    const paths = keys.flatMap((key) => (key === 'index.html' ? [viewerPathOf(key), '/'] : [viewerPathOf(key)]));
    const timeoutMs = this.#options.timeoutMs ?? 5_000;
    try {
      const response = await request(new URL('/_cdn/purge', target), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#options.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ paths }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      if (!ok) console.error(`origin: purge of ${paths.length} path(s) of bucket ${bucket} at ${target}: HTTP ${response.statusCode}`);
      this.#notifications.inc({ bucket, result: ok ? 'ok' : 'failed' });
    } catch (error) {
      console.error(`origin: purge of ${paths.length} path(s) of bucket ${bucket} at ${target} failed: ${(error as Error).message}`);
      this.#notifications.inc({ bucket, result: 'failed' });
    }
  }
}
