import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHttpDate } from '../src/cache/http-date.ts';
import { HttpCache, type CacheRequest } from '../src/cache/http-cache.ts';
import { edgeSchema } from '../src/topology/schema.ts';
import { startProcess } from './helpers/processes.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

/**
 * The shared-cache rules the HTTP cache conformance suite (cache-tests.fyi) checks, each found
 * failing there and pinned here on a hand-moved clock: RFC 9213 targeted fields, cacheable
 * statuses, Expires and Age parsing, Date, directive case, request directives.
 */
function setup(options: { cdnsimField?: string } = {}) {
  let now = Date.UTC(2026, 10, 1, 12, 0, 0);
  const cache = new HttpCache({ maxSize: 1_000_000, clock: () => now, ...options });
  const date = (offsetSeconds = 0) => new Date(now + offsetSeconds * 1000).toUTCString();
  const request = (url: string, headers: CacheRequest['headers'] = {}): CacheRequest => ({ url, method: 'GET', headers });
  /** Stores a response as the edge would; the entry, or undefined when the cache declined it. */
  const put = (url: string, headers: Record<string, string>, status = 200, reqHeaders: CacheRequest['headers'] = {}) => {
    const req = request(url, reqHeaders);
    const decision = cache.decide(req, { status, headers: { date: date(), ...headers } });
    if (!decision.store) return undefined;
    return cache.store(req, decision.policy, status, Buffer.from('body'));
  };
  const kind = (url: string, headers: CacheRequest['headers'] = {}) => cache.lookup(request(url, headers)).kind;
  return { cache, put, kind, date, advance: (seconds: number) => (now += seconds * 1000) };
}

describe('CDN-Cache-Control (RFC 9213)', () => {
  it('takes precedence over Cache-Control, in both directions', () => {
    const c = setup();
    expect(c.put('/long', { 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=10000' })).toBeDefined();
    expect(c.kind('/long')).toBe('fresh');
    c.put('/short', { 'cache-control': 'max-age=3600', 'cdn-cache-control': 'max-age=1' });
    c.advance(2);
    expect(c.kind('/short')).toBe('stale');
  });

  it('obeys private, no-store and no-cache in it, whatever Cache-Control and Expires say', () => {
    const c = setup();
    const fresh = { 'cache-control': 'max-age=10000', expires: c.date(10000) };
    expect(c.put('/private', { ...fresh, 'cdn-cache-control': 'private' })).toBeUndefined();
    expect(c.put('/no-store', { ...fresh, 'cdn-cache-control': 'no-store' })).toBeUndefined();
    c.put('/no-cache', { ...fresh, etag: '"a"', 'cdn-cache-control': 'no-cache' });
    expect(c.kind('/no-cache')).toBe('stale');
  });

  it('ignores Expires when it governs, and clients still get Cache-Control and Expires as sent', () => {
    const c = setup();
    const past = c.date(-10000);
    const entry = c.put('/a', { 'cdn-cache-control': 'max-age=3600', expires: past, 'cache-control': 'max-age=1' })!;
    c.advance(10);
    expect(c.kind('/a')).toBe('fresh');
    const headers = entry.policy.responseHeaders();
    expect(headers['cache-control']).toBe('max-age=1');
    expect(headers['expires']).toBe(past);
    expect(headers['cdn-cache-control']).toBe('max-age=3600');
    c.put('/zero', { 'cdn-cache-control': 'max-age=0', expires: c.date(10000), etag: '"z"' });
    expect(c.kind('/zero')).toBe('stale');
  });

  it('counts Age against its max-age', () => {
    const c = setup();
    c.put('/a', { 'cdn-cache-control': 'max-age=3600', age: '7200', etag: '"a"' });
    expect(c.kind('/a')).toBe('stale');
  });

  it('is ignored as a whole when it is not a valid Structured Field Dictionary, or max-age is no integer', () => {
    const c = setup();
    expect(c.put('/unknown-type', { 'cdn-cache-control': 'max-age=10000, &&&&&', 'cache-control': 'no-store' })).toBeUndefined();
    expect(c.put('/wrong-type', { 'cdn-cache-control': 'max-age="10000"', 'cache-control': 'no-store' })).toBeUndefined();
    c.put('/fallback', { 'cdn-cache-control': 'max-age=1.5', 'cache-control': 'max-age=100' });
    c.advance(50);
    expect(c.kind('/fallback')).toBe('fresh');
  });

  it('accepts max-age beyond 2^31 and an extension directive', () => {
    const c = setup();
    c.put('/big', { 'cdn-cache-control': 'max-age=99999999999' });
    c.put('/ext', { 'cdn-cache-control': 'foobar, max-age=3600' });
    c.advance(1000);
    expect(c.kind('/big')).toBe('fresh');
    expect(c.kind('/ext')).toBe('fresh');
  });
});

describe('the cdnsim-targeted field', () => {
  it('Cdnsim-Cache-Control comes before CDN-Cache-Control, and is not passed on downstream', () => {
    const c = setup();
    const entry = c.put('/a', { 'cdnsim-cache-control': 'max-age=100', 'cdn-cache-control': 'max-age=1', 'cache-control': 'no-store' })!;
    c.advance(50);
    expect(c.kind('/a')).toBe('fresh');
    const headers = entry.policy.responseHeaders();
    expect(headers['cdnsim-cache-control']).toBeUndefined();
    expect(headers['cdn-cache-control']).toBe('max-age=1');
  });

  it('an invalid cdnsim field falls back to CDN-Cache-Control', () => {
    const c = setup();
    c.put('/a', { 'cdnsim-cache-control': 'max-age=oops', 'cdn-cache-control': 'max-age=1', 'cache-control': 'max-age=100' });
    c.advance(2);
    expect(c.kind('/a')).toBe('stale');
  });

  it('can be renamed per topology', () => {
    const c = setup({ cdnsimField: 'Acme-Cache-Control' });
    expect(c.put('/a', { 'acme-cache-control': 'max-age=100', 'cache-control': 'no-store' })).toBeDefined();
    expect(c.put('/b', { 'cdnsim-cache-control': 'max-age=100', 'cache-control': 'no-store' })).toBeUndefined();
  });
});

describe('Surrogate-Control, by configuration', () => {
  it('named as the targeted field, it is obeyed before CDN-Cache-Control and stripped, as Fastly does', () => {
    const c = setup({ cdnsimField: 'Surrogate-Control' });
    const entry = c.put('/a', { 'surrogate-control': 'max-age=3600', 'cdn-cache-control': 'max-age=1', 'cache-control': 'max-age=1' })!;
    c.advance(10);
    expect(c.kind('/a')).toBe('fresh');
    expect(entry.policy.responseHeaders()['surrogate-control']).toBeUndefined();
  });
});

describe('which statuses a shared cache stores (RFC 9111 section 3)', () => {
  it('any final status with explicit freshness, known to the library or not', () => {
    const c = setup();
    for (const status of [299, 400, 499, 500, 502, 503, 504, 599]) {
      expect(c.put(`/s${status}`, { 'cache-control': 'max-age=3600' }, status), `status ${status}`).toBeDefined();
      expect(c.kind(`/s${status}`)).toBe('fresh');
    }
  });

  it('heuristic freshness only for the heuristically cacheable statuses, or when public', () => {
    const c = setup();
    const lastModified = { 'last-modified': c.date(-86400) };
    c.put('/s599', lastModified, 599);
    expect(c.kind('/s599')).toBe('miss');
    c.put('/s599-public', { ...lastModified, 'cache-control': 'public' }, 599);
    expect(c.kind('/s599-public')).toBe('fresh');
    c.put('/s200', lastModified, 200);
    expect(c.kind('/s200')).toBe('fresh');
  });

  it('must-understand overrides no-store for a status this cache understands, and refuses others', () => {
    const c = setup();
    expect(c.put('/ok', { 'cache-control': 'max-age=3600, no-store, must-understand' }, 200)).toBeDefined();
    expect(c.put('/odd', { 'cache-control': 'max-age=3600, no-store, must-understand' }, 599)).toBeUndefined();
  });
});

describe('Expires, Age, Date', () => {
  it('an Expires that is not exactly an HTTP-date means already expired', () => {
    const c = setup();
    for (const expires of [
      'Thu, 18 Aug 2050 02:01:18 UTC',
      'Thu, 18 Aug 2050 02:01:18 AEST',
      'Thu 18 Aug 2050 02:01:18 GMT',
      'Thu, 18  Aug  2050 02:01:18 GMT',
      'Thu, 18-Aug-2050 02:01:18 GMT',
      'Thu, 18 Aug 2050 2:01:18 GMT',
    ]) {
      expect(c.put('/bad', { expires }), expires).toBeUndefined();
    }
  });

  it('the obsolete date formats and other letter case are understood', () => {
    const c = setup();
    for (const expires of ['Thursday, 18-Aug-50 02:01:18 GMT', 'Thu Aug  8 02:01:18 2050', 'thu, 18 aug 2050 02:01:18 gmt']) {
      c.put('/good', { expires });
      expect(c.kind('/good'), expires).toBe('fresh');
    }
  });

  it('a client still gets the Expires the origin sent, not its normalised form', () => {
    const c = setup();
    const entry = c.put('/a', { expires: 'Thursday, 18-Aug-50 02:01:18 GMT' })!;
    expect(entry.policy.responseHeaders()['expires']).toBe('Thursday, 18-Aug-50 02:01:18 GMT');
  });

  it('an Age that is not delta-seconds is ignored', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=3600', age: '7200.0' });
    expect(c.kind('/a')).toBe('fresh');
  });

  it('a hit keeps the Date the origin sent', () => {
    const c = setup();
    const sent = c.date();
    const entry = c.put('/a', { 'cache-control': 'max-age=3600' })!;
    c.advance(30);
    expect(entry.policy.responseHeaders()['date']).toBe(sent);
    const lines = entry.headerLines;
    expect(lines[lines.indexOf('date') + 1]).toBe(sent);
  });
});

describe('variants', () => {
  it('Accept-Language values that differ only in letter case select one variant (language tags are case-insensitive)', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=100', vary: 'Accept-Language' }, 200, { 'accept-language': 'en, de' });
    expect(c.kind('/a', { 'accept-language': 'eN, De' })).toBe('fresh');
    expect(c.kind('/a', { 'accept-language': 'de, en' })).toBe('miss');
  });
});

describe('revalidation', () => {
  it('a 304 without validators answers the conditional request made with the stored ones: the entry keeps its headers', () => {
    const c = setup();
    const lastModified = c.date(-3000);
    const entry = c.put('/a', { 'cache-control': 'max-age=1', 'last-modified': lastModified, 'content-type': 'text/plain' })!;
    c.advance(2);
    expect(c.kind('/a')).toBe('stale');
    const { entry: refreshed, modified } = c.cache.revalidated(entry, { url: '/a', method: 'GET', headers: {} }, {
      status: 304,
      headers: { date: c.date(), 'cache-control': 'max-age=100' },
    });
    expect(modified).toBe(false);
    const headers = refreshed.policy.responseHeaders();
    expect(headers['content-type']).toBe('text/plain');
    expect(headers['last-modified']).toBe(lastModified);
    expect(c.kind('/a')).toBe('fresh');
  });
});

describe('directives', () => {
  it('names are case-insensitive', () => {
    const c = setup();
    c.put('/upper', { 'cache-control': 'MAX-AGE=100' });
    expect(c.kind('/upper')).toBe('fresh');
    c.put('/no-cache', { 'cache-control': 'max-age=100, No-Cache', etag: '"a"' });
    expect(c.kind('/no-cache')).toBe('stale');
  });

  it('a request directive the cache does not know does not stop a fresh must-revalidate hit', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=10000, must-revalidate', etag: '"a"' });
    expect(c.kind('/a', { 'cache-control': 'nothing-to-see-here', pragma: 'foo' })).toBe('fresh');
    expect(c.kind('/a', { 'cache-control': 'no-cache' })).toBe('stale');
    expect(c.kind('/a', { pragma: 'no-cache' })).toBe('stale');
  });

  it('a fresh must-revalidate response is served to a request with credentials (RFC 9111 section 3.5)', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=10000, must-revalidate' }, 200, { authorization: 'Basic eDp5' });
    expect(c.kind('/a', { authorization: 'Basic eDp5' })).toBe('fresh');
    c.put('/b', { 'cache-control': 'max-age=10000' });
    expect(c.kind('/b', { authorization: 'Basic eDp5' })).toBe('miss');
  });
});

describe('parseHttpDate', () => {
  const now = Date.UTC(2026, 0, 1);
  it('reads a two-digit year more than 50 years ahead as the last century', () => {
    expect(new Date(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)).getUTCFullYear()).toBe(1994);
    expect(new Date(parseHttpDate('Thursday, 18-Aug-50 02:01:18 GMT', now)).getUTCFullYear()).toBe(2050);
  });

  it('rejects impossible dates and times', () => {
    expect(parseHttpDate('Thu, 31 Feb 2050 02:01:18 GMT', now)).toBeNaN();
    expect(parseHttpDate('Thu, 18 Aug 2050 24:01:18 GMT', now)).toBeNaN();
    expect(parseHttpDate('0', now)).toBeNaN();
  });
});

describe('a real edge process with a renamed targeted field', () => {
  let origin: Awaited<ReturnType<typeof startScriptedOrigin>>;
  let edge: Awaited<ReturnType<typeof startProcess>>;

  beforeAll(async () => {
    origin = await startScriptedOrigin();
    origin.on('/t', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'no-store', 'acme-cache-control': 'max-age=300', 'cdn-cache-control': 'max-age=60', 'content-type': 'text/plain' });
      res.end('targeted');
    });
    edge = await startProcess('edge', 'conf', ['--origin', origin.url, '--targeted-cache-control-field', 'Acme-Cache-Control']);
  }, 30_000);

  afterAll(async () => {
    await edge?.stop();
    await origin?.close();
  });

  it('caches by the renamed field over Cache-Control: no-store, keeps it from clients, passes CDN-Cache-Control on', async () => {
    const first = await request(`${edge.url}/t`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    await first.body.dump();
    const second = await request(`${edge.url}/t`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    expect(await second.body.text()).toBe('targeted');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(origin.count('/t')).toBe(1);
    expect(second.headers['cache-control']).toBe('no-store');
    expect(second.headers['acme-cache-control']).toBeUndefined();
    expect(second.headers['cdn-cache-control']).toBe('max-age=60');
  });

  it('the topology field is validated as a header name', () => {
    const edgeWith = (targetedCacheControlField: unknown) => ({ ...minimalEdge, targetedCacheControlField });
    expect(edgeSchema.safeParse(edgeWith('Acme-Cache-Control')).success).toBe(true);
    expect(edgeSchema.safeParse(edgeWith('not a name')).success).toBe(false);
  });
});

const minimalEdge = { id: 'e1', city: 'X', region: 'r', lat: 0, lon: 0, port: 0, maxSize: 1000 };
