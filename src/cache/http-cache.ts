import type CachePolicy from 'http-cache-semantics';
import type { Clock } from './clock.ts';
import { clockedPolicyClass, directivesOf, type PolicyConstructor } from './clocked-policy.ts';
import { createEntryStore, type StoreCapacity } from './create-entry-store.ts';
import type { EntryStore } from './entry-store.ts';
import { ageSeconds, createStoredResponse, ttlSeconds, type StoredResponse } from './stored-response.ts';
import { cacheControlDirectives, targetList } from './targeted-cache-control.ts';

/** A request as the cache sees it: no socket, no body. */
export interface CacheRequest {
  url: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A response head as the cache sees it. */
export interface CacheResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** What a lookup found, with the entry's Age and remaining freshness (s) now, as a delivery reports them. */
interface Found {
  entry: StoredResponse;
  age: number;
  ttl: number;
}

export type Lookup =
  | { kind: 'miss' }
  /** Fresh: serve it. */
  | ({ kind: 'fresh' } & Found)
  /** Stale within stale-while-revalidate: serve it, and refresh it in the background. */
  | ({ kind: 'stale-while-revalidate'; revalidationHeaders: Record<string, string> } & Found)
  /** Stored but not usable as is: revalidate first (or serve it if the origin fails and stale-if-error allows). */
  | ({ kind: 'stale'; revalidationHeaders: Record<string, string> } & Found);

/** Why a stale entry may stand in for a failed origin: stale-if-error, or the edge's own rule (serveStaleOnOriginError). */
export type StandIn = 'stale-if-error' | 'origin-error';

/**
 * What to do with the origin's answer (Varnish's backend_response), decided in one place:
 * the 304 refreshed the stale entry; the stale entry stands in for a 5xx; store the new response;
 * or send it through unstored.
 */
export type BackendDecision =
  | { do: 'refreshed'; entry: StoredResponse; ttl: number }
  | { do: 'stand-in'; entry: StoredResponse; why: StandIn; ttl: number }
  | { do: 'store'; policy: CachePolicy; ttl: number }
  | { do: 'pass'; reason: string };

/**
 * Directives under which a shared cache must not serve the entry stale at all (RFC 9111 section
 * 4.2.4): must-revalidate, proxy-revalidate, no-cache, and s-maxage, which carries
 * proxy-revalidate's meaning for a shared cache (section 5.2.2.10).
 */
const FORBIDS_STALE = /(?:^|,)\s*(?:must-revalidate|proxy-revalidate|no-cache|s-maxage)\b/i;

export type StoreDecision = { store: true; policy: CachePolicy } | { store: false; reason: string };

export interface PurgeSelectors {
  paths?: readonly string[];
  prefixes?: readonly string[];
  tags?: readonly string[];
}

/**
 * The capacity is `maxSize`, in bytes counted by each entry's size (body, headers, overhead), or
 * `maxObjects`, where every entry counts 1 (as `cdnsim sim --mode objects` counts): exactly one.
 */
export type HttpCacheOptions = StoreCapacity & {
  /** Which simulator policy evicts (a name from LIVE_POLICIES); default lru. */
  policy?: string;
  clock: Clock;
  /** The response field targeted at cdnsim alone (RFC 9213), obeyed before CDN-Cache-Control; default Cdnsim-Cache-Control. */
  cdnsimField?: string;
  /** Called once per entry pushed out to make room (not for replacements or purges). */
  onEvict?: () => void;
};

/**
 * The edge's cache policy: what to store, for how long, under which key, and what to evict,
 * as a shared cache by RFC 9111 (rules from http-cache-semantics, objects in lru-cache or behind
 * any other simulator policy, bounded in bytes or objects). It opens no sockets and reads time
 * only from the injected clock, so a trace simulator can drive exactly the code the live edge runs.
 */
export class HttpCache {
  readonly #store: EntryStore<StoredResponse>;
  readonly #Policy: PolicyConstructor;
  readonly #clock: Clock;
  /** Primary key -> the request headers its variants are selected by, and the variants stored. */
  readonly #variants = new Map<string, { vary: readonly string[]; keys: Set<string> }>();
  /** Surrogate key -> entries tagged with it. */
  readonly #tags = new Map<string, Set<string>>();

  constructor(options: HttpCacheOptions) {
    this.#Policy = clockedPolicyClass(options.clock, targetList(options.cdnsimField));
    this.#clock = options.clock;
    this.#store = createEntryStore<StoredResponse>({
      ...options,
      sizeCalculation: (entry) => entry.size,
      dispose: (entry, key, reason) => {
        // A replacement keeps its variant slot; its successor re-adds its own tags.
        if (reason === 'set') this.#untag(entry, key);
        else this.#unindex(entry, key);
        if (reason === 'evict') options.onEvict?.();
      },
    });
  }

  /** The primary cache key: path and query. Host and other unkeyed headers never select an object. */
  primaryKey(req: CacheRequest): string {
    return req.url;
  }

  lookup(req: CacheRequest): Lookup {
    const primary = this.primaryKey(req);
    const variants = this.#variants.get(primary);
    if (!variants) return { kind: 'miss' };
    const entry = this.#store.get(variantKey(primary, variants.vary, req.headers));
    if (!entry) return { kind: 'miss' };
    // RFC 9111 section 3.5: a request with credentials may only get a response marked as shareable with them.
    if (req.headers.authorization !== undefined && !allowsAuthenticated(entry.policy)) return { kind: 'miss' };
    // The common case, decided without the library: a request that sets no cache constraints of
    // its own, for an entry within its freshness lifetime. (This also keeps a fresh must-revalidate
    // response usable, which the library's evaluateRequest would always send for revalidation.)
    const now = this.#clock();
    const age = ageSeconds(entry, now);
    const ttl = ttlSeconds(entry, now);
    if (!constrainsFreshness(req.headers) && now < entry.storedAt + entry.freshForMs) return { kind: 'fresh', entry, age, ttl };
    const request = asPolicyRequest(req);
    const evaluation = entry.policy.evaluateRequest(request);
    if (evaluation.response) {
      if (!evaluation.revalidation) return { kind: 'fresh', entry, age, ttl };
      // proxy-revalidate binds shared caches as must-revalidate does (RFC 9111 section 5.2.2.8).
      if (!evaluation.revalidation.synchronous && !mustRevalidate(entry)) {
        return { kind: 'stale-while-revalidate', entry, age, ttl, revalidationHeaders: storedValidators(entry) };
      }
    }
    // Stale, no-cache, must-revalidate, or a request that asks for fresher: ask the origin with our validators.
    return { kind: 'stale', entry, age, ttl, revalidationHeaders: storedValidators(entry) };
  }

  /** Whether a response to `req` may be stored by a shared cache, and its policy if so. */
  decide(req: CacheRequest, res: CacheResponse): StoreDecision {
    const policy = new this.#Policy(asPolicyRequest({ ...req, method: 'GET' }), asPolicyResponse(res), { shared: true });
    if (!policy.storable()) return { store: false, reason: 'not storable by a shared cache' };
    const vary = headerValue(res.headers['vary']);
    if (vary?.split(',').some((name) => name.trim() === '*')) return { store: false, reason: 'Vary: *' };
    // Varnish's default: a response setting a cookie is someone's session, not a shared object.
    if (res.headers['set-cookie'] !== undefined && !explicitlyShared(policy)) return { store: false, reason: 'Set-Cookie' };
    const hasValidator = res.headers['etag'] !== undefined || res.headers['last-modified'] !== undefined;
    if (policy.timeToLive() <= 0 && !hasValidator && directivesOf(policy)['stale-if-error'] === undefined) {
      return { store: false, reason: 'no freshness and no validator' };
    }
    return { store: true, policy };
  }

  /**
   * The backend_response state in one call: given the origin's answer to a fetch (revalidating
   * `stale` when there is one), whether a 304 refreshed the entry, the entry stands in for a 5xx,
   * the response is to be stored (the caller stores it once its body is complete), or it passes.
   */
  backendResponse(
    req: CacheRequest,
    res: CacheResponse,
    stale: StoredResponse | undefined,
    serveStaleOnOriginError: boolean,
  ): BackendDecision {
    if (stale && res.status === 304) {
      const { entry, modified } = this.revalidated(stale, req, res);
      if (!modified) return { do: 'refreshed', entry, ttl: this.ttlOf(entry) };
    }
    const why = stale && res.status >= 500 ? this.standIn(stale, serveStaleOnOriginError) : undefined;
    if (stale && why) return { do: 'stand-in', entry: stale, why, ttl: this.ttlOf(stale) };
    const decision = this.decide(req, res);
    if (!decision.store) return { do: 'pass', reason: decision.reason };
    const { policy } = decision;
    return { do: 'store', policy, ttl: Math.round(policy.maxAge() - policy.age()) };
  }

  /**
   * How a stale entry may stand in for an origin that failed, if it may: stale-if-error (RFC
   * 5861), else, when the edge serves stale on origin errors (CloudFront's way), any entry whose
   * directives do not forbid serving it stale.
   */
  standIn(entry: StoredResponse, serveStaleOnOriginError: boolean): StandIn | undefined {
    if (this.usableOnError(entry)) return 'stale-if-error';
    if (!serveStaleOnOriginError) return undefined;
    const cacheControl = entry.policy.responseHeaders()['cache-control'];
    const directives = Array.isArray(cacheControl) ? cacheControl.join(', ') : (cacheControl ?? '');
    return FORBIDS_STALE.test(directives) ? undefined : 'origin-error';
  }

  /** Stores a complete response under the variant its Vary header selects. */
  store(req: CacheRequest, policy: CachePolicy, status: number, body: Buffer): StoredResponse | undefined {
    const primary = this.primaryKey(req);
    const vary = varyNames(policy.responseHeaders()['vary']);
    const stored = this.#variants.get(primary);
    if (stored && !sameList(stored.vary, vary)) {
      // The origin changed what it varies on: variants keyed the old way can no longer be found.
      for (const key of [...stored.keys]) this.#store.delete(key);
    }
    const key = variantKey(primary, vary, req.headers);
    const entry = createStoredResponse(
      { key, url: primary, status, body, policy, tags: surrogateKeys(policy.responseHeaders()['surrogate-key']) },
      this.#clock(),
    );
    this.#store.set(key, entry);
    if (!this.#store.has(key)) {
      // Refused (too large): the entry it would have replaced left as a replacement ('set'), so
      // its variant slot is still indexed; forget it, or the URL keeps a Vary nothing is stored under.
      this.#forgetVariant(primary, key);
      return undefined;
    }
    // Read only now: making room may have evicted this URL's last other variant, and its index entry with it.
    let variants = this.#variants.get(primary);
    if (!variants) {
      variants = { vary, keys: new Set() };
      this.#variants.set(primary, variants);
    }
    variants.keys.add(key);
    this.#tag(entry);
    return entry;
  }

  /**
   * Applies a revalidation response: a 304 (or an error that stale-if-error covers) refreshes the
   * stored entry in place; anything else means the body changed and the caller stores anew.
   */
  revalidated(entry: StoredResponse, req: CacheRequest, res: CacheResponse): { entry: StoredResponse; modified: boolean } {
    const { policy, modified } = entry.policy.revalidatedPolicy(asPolicyRequest(req), asPolicyResponse(withStoredValidators(entry, res)));
    if (modified) return { entry, modified: true };
    const refreshed = createStoredResponse(
      { key: entry.key, url: entry.url, status: entry.status, body: entry.body, policy, tags: surrogateKeys(policy.responseHeaders()['surrogate-key']) },
      this.#clock(),
    );
    // peek: the lookup that found the entry stale was this request's one use of it.
    if (this.#store.peek(entry.key) === entry) {
      this.#store.set(entry.key, refreshed);
      if (this.#store.has(entry.key)) this.#tag(refreshed);
      else this.#forgetVariant(entry.url, entry.key);
    }
    return { entry: refreshed, modified: false };
  }

  /** Current Age of an entry in whole seconds. */
  ageOf(entry: StoredResponse): number {
    return ageSeconds(entry, this.#clock());
  }

  /** Remaining freshness of an entry in whole seconds; negative once stale. */
  ttlOf(entry: StoredResponse): number {
    return ttlSeconds(entry, this.#clock());
  }

  /** Whether a stale entry may stand in for an origin failure (stale-if-error, RFC 5861). */
  usableOnError(entry: StoredResponse): boolean {
    const directives = directivesOf(entry.policy);
    const value = directives['stale-if-error'];
    const seconds = typeof value === 'string' ? Number(value) : NaN;
    if (!Number.isFinite(seconds) || directives['must-revalidate'] || directives['proxy-revalidate'] || directives['no-cache']) return false;
    return entry.policy.age() < entry.policy.maxAge() + seconds;
  }

  /** Drops every variant stored for a primary key; returns how many entries went. */
  invalidate(url: string): number {
    const variants = this.#variants.get(url);
    if (!variants) return 0;
    let removed = 0;
    for (const key of [...variants.keys]) if (this.#store.delete(key)) removed++;
    return removed;
  }

  purge(selectors: PurgeSelectors): { paths: number; prefixes: number; tags: number } {
    let paths = 0;
    for (const path of selectors.paths ?? []) paths += this.invalidate(path);
    let prefixes = 0;
    if (selectors.prefixes?.length) {
      const wanted = selectors.prefixes;
      for (const url of [...this.#variants.keys()]) {
        if (wanted.some((prefix) => url.startsWith(prefix))) prefixes += this.invalidate(url);
      }
    }
    let tags = 0;
    for (const tag of selectors.tags ?? []) {
      for (const key of [...(this.#tags.get(tag) ?? [])]) if (this.#store.delete(key)) tags++;
    }
    return { paths, prefixes, tags };
  }

  get bytes(): number {
    return this.#store.calculatedSize;
  }

  get objects(): number {
    return this.#store.size;
  }

  /** How many URLs have a variant index entry: at most one per URL with a stored entry. */
  get indexedUrls(): number {
    return this.#variants.size;
  }

  #tag(entry: StoredResponse): void {
    for (const tag of entry.tags) {
      let keys = this.#tags.get(tag);
      if (!keys) this.#tags.set(tag, (keys = new Set()));
      keys.add(entry.key);
    }
  }

  #unindex(entry: StoredResponse, key: string): void {
    this.#forgetVariant(entry.url, key);
    this.#untag(entry, key);
  }

  #forgetVariant(url: string, key: string): void {
    const variants = this.#variants.get(url);
    if (!variants) return;
    variants.keys.delete(key);
    if (variants.keys.size === 0) this.#variants.delete(url);
  }

  #untag(entry: StoredResponse, key: string): void {
    for (const tag of entry.tags) {
      const keys = this.#tags.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#tags.delete(tag);
    }
  }
}

/**
 * The request as http-cache-semantics should judge it. The library matches a stored response only
 * to requests with the same Host; this cache keys on path and query alone (one origin per edge),
 * so Host is left out for every request alike.
 */
function asPolicyRequest(req: CacheRequest): CachePolicy.Request {
  const headers = { ...req.headers };
  delete headers.host;
  return { url: req.url, method: req.method, headers: headers as CachePolicy.Headers };
}

function asPolicyResponse(res: CacheResponse): CachePolicy.Response {
  return { status: res.status, headers: res.headers as CachePolicy.Headers };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function varyNames(value: string | string[] | undefined): string[] {
  const text = headerValue(value);
  if (!text) return [];
  return [...new Set(text.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean))].sort();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/**
 * Request headers whose values are case-insensitive tokens and tags (RFC 9110 section 12.5), so
 * a variant key may fold their case. Their order is kept: with equal weights it can be a preference.
 */
const CASE_INSENSITIVE_VALUES = new Set(['accept-language', 'accept-encoding', 'accept-charset']);

/** Normalises the varied-on request header values into the key, so equivalent requests share a variant. */
function variantKey(primary: string, vary: readonly string[], headers: CacheRequest['headers']): string {
  if (vary.length === 0) return primary;
  let key = primary;
  for (const name of vary) {
    let value = (headerValue(headers[name]) ?? '').trim().replace(/\s*,\s*/g, ',');
    if (CASE_INSENSITIVE_VALUES.has(name)) value = value.toLowerCase();
    key += `\n${name}:${value}`;
  }
  return key;
}

/**
 * The conditional headers for revalidating an entry: its own validators only, never the client's,
 * so a 304 always speaks about the stored body.
 */
function storedValidators(entry: StoredResponse): Record<string, string> {
  const headers = entry.policy.responseHeaders();
  const out: Record<string, string> = {};
  const etag = headerValue(headers['etag']);
  const lastModified = headerValue(headers['last-modified']);
  if (etag) out['if-none-match'] = etag;
  if (lastModified) out['if-modified-since'] = lastModified;
  return out;
}

/**
 * A 304 that names no validator answers the conditional request this cache made, which carried
 * the entry's own validators only (storedValidators): it is about that entry. The library would
 * otherwise match it to nothing and rebuild the entry from the 304's few headers alone.
 */
function withStoredValidators(entry: StoredResponse, res: CacheResponse): CacheResponse {
  if (res.status !== 304 || res.headers['etag'] !== undefined || res.headers['last-modified'] !== undefined) return res;
  const stored = entry.policy.responseHeaders();
  const headers = { ...res.headers };
  if (stored['etag'] !== undefined) headers['etag'] = stored['etag'];
  if (stored['last-modified'] !== undefined) headers['last-modified'] = stored['last-modified'];
  return { ...res, headers };
}

function surrogateKeys(value: string | string[] | undefined): string[] {
  return (headerValue(value) ?? '').split(/\s+/).filter(Boolean);
}

/** Request directives that ask for something other than a fresh stored response; unknown ones are ignored (RFC 9111 section 5.2). */
const CONSTRAINING_REQUEST_DIRECTIVES = ['no-cache', 'no-store', 'max-age', 'min-fresh', 'max-stale', 'only-if-cached'];

function constrainsFreshness(headers: CacheRequest['headers']): boolean {
  const cacheControl = headers['cache-control'];
  if (cacheControl === undefined) {
    // Pragma: no-cache counts only when Cache-Control is absent (RFC 9111 section 5.4).
    return headers.pragma !== undefined && /(?:^|,)\s*no-cache\s*(?:,|$)/i.test(headerValue(headers.pragma) ?? '');
  }
  const directives = cacheControlDirectives(cacheControl);
  return CONSTRAINING_REQUEST_DIRECTIVES.some((name) => directives[name] !== undefined);
}

function allowsAuthenticated(policy: CachePolicy): boolean {
  const directives = directivesOf(policy);
  return directives['public'] !== undefined || directives['s-maxage'] !== undefined || directives['must-revalidate'] !== undefined;
}

function mustRevalidate(entry: StoredResponse): boolean {
  const directives = directivesOf(entry.policy);
  return directives['must-revalidate'] !== undefined || directives['proxy-revalidate'] !== undefined;
}

function explicitlyShared(policy: CachePolicy): boolean {
  const directives = directivesOf(policy);
  return directives['public'] !== undefined || directives['s-maxage'] !== undefined;
}
