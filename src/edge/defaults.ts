/**
 * The edge's safe defaults, in one place. Each is enforced where its layer lives (the cache's
 * storability rules in src/cache/http-cache.ts, the forwarding allow-list in forward-headers.ts);
 * this module names them so a reader finds every default, and the number each one is, here.
 */
export { SHARED_FETCH_HEADERS } from './forward-headers.ts';

/** Only these methods are looked up in the cache; any other is passed to the origin (RFC 9111 section 2: only safe methods' responses are reused). */
export const LOOKUP_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * A request with credentials never leads, or waits on, a shared fetch: it may only be answered by
 * an entry marked shareable with them (RFC 9111 section 3.5), and its answer is the user's own.
 */
export const CREDENTIALS_HEADER = 'authorization';

/*
 * Unstorable, by HttpCache.decide (the cache layer, so the simulator obeys the same rules):
 * - not storable by a shared cache (private, no-store, an unknown status...): RFC 9111 section 3;
 * - Vary: * : no later request could ever match it;
 * - Set-Cookie without public or s-maxage: someone's session, not a shared object (Varnish's default);
 * - neither freshness, nor a validator, nor stale-if-error: nothing could ever be served from it.
 */

/** Responses larger than this are streamed through unstored: one large object should not flush the cache. */
export const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024;

/** The cache's capacity when none is given: room for the usual test and demo workloads on a laptop. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * How long the edge waits on the origin: a refused or black-holed origin must fail fast (connect),
 * a slow one must not hold clients for ever (headers), and a stalled body is cut (between body bytes).
 */
export const DEFAULT_ORIGIN_TIMEOUTS = { connectMs: 3_000, headersMs: 10_000, bodyMs: 30_000 };

/** Slowloris-style clients must not hold sockets for ever: whole request head within 10 s, whole request within 5 min. */
export const CLIENT_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 300_000 };

/** Serve a stale entry when the origin fails, even without stale-if-error (CloudFront's way), unless the entry forbids it. */
export const SERVE_STALE_ON_ORIGIN_ERROR = true;
