import type { IncomingMessage } from 'node:http';
import type { CacheRequest } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';
import { endToEndHeaders } from '../net/hop-by-hop.ts';

/** Which of the client's end-to-end headers a fetch forwards: all but some, or only some. */
export type ForwardPolicy = { readonly except: ReadonlySet<string> } | { readonly only: ReadonlySet<string> };

/**
 * What a fetch whose response will be shared forwards of the client's request, and nothing else
 * (an allow-list, as CloudFront's origin request policies are): any other header, say one a
 * framework reads as the host, scheme or path (X-Forwarded-Host, X_Forwarded_Host, X-Original-Uri,
 * Front-End-Https...), could change what every later client is served from cache (web cache
 * poisoning). Names are matched exactly, lower-case, so a name spelled with `_` never matches:
 * CGI, PHP and WSGI would read it as the `-` one.
 *
 * - content negotiation, which is what origins name in Vary: accept, accept-encoding,
 *   accept-language, accept-charset;
 * - credentials, for which RFC 9111 section 3.5 and the origin's Cache-Control decide whether the
 *   answer is shared: authorization, cookie;
 * - origin, so CORS answers (Access-Control-Allow-Origin, with Vary: Origin) come back;
 * - the proxy chain: x-forwarded-for and via, both appended to.
 *
 * Not forwarded: user-agent and referer (unkeyed, and the headers pages most often echo), the
 * client's cache-control and pragma (the fetch is the cache's, which sends its own validators),
 * and the client's conditional and range headers (the edge stores whole objects). A header the
 * stored entry's Vary names is forwarded too when that entry is revalidated (see sharedFetchHeaders).
 */
export const SHARED_FETCH_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-charset',
  'authorization',
  'cookie',
  'origin',
  'x-forwarded-for',
  'via',
]);

/** Never forwarded on a shared fetch, whatever an origin's Vary says: they are the client's own. */
const CLIENT_ONLY: ReadonlySet<string> = new Set([
  'host',
  'range',
  'if-range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
]);

const SHARED_FETCH: ForwardPolicy = { only: SHARED_FETCH_HEADERS };

/** Passed-through requests (not stored) keep every end-to-end header but Host. */
export const HOST_ONLY: ForwardPolicy = { except: new Set(['host']) };

/**
 * The allow-list of an edge: the defaults plus the names it is configured with (an edge's
 * `originRequestHeaders` in the topology, `--origin-request-header` alone), as one adds headers to
 * a CloudFront origin request policy. The client's own headers (Host, Range, conditionals) stay out.
 */
export function sharedFetchAllowList(extra: Iterable<string> = []): ReadonlySet<string> {
  const allowed = new Set(SHARED_FETCH_HEADERS);
  for (const name of extra) {
    const lower = name.toLowerCase();
    if (!CLIENT_ONLY.has(lower)) allowed.add(lower);
  }
  return allowed;
}

/**
 * What a shared fetch forwards: `allowList`, widened by the request headers that `stale`'s Vary
 * names: a header that selects a variant must reach the origin, or revalidating that variant would
 * ask for another. A first fetch cannot know the origin's Vary; the content-negotiation headers
 * cover the usual ones.
 */
export function sharedFetchHeaders(stale?: StoredResponse, allowList: ReadonlySet<string> = SHARED_FETCH_HEADERS): ForwardPolicy {
  const varied = stale ? varyNames(stale.headerLines) : [];
  if (varied.length === 0) return allowList === SHARED_FETCH_HEADERS ? SHARED_FETCH : { only: allowList };
  const only = new Set(allowList);
  for (const name of varied) if (!CLIENT_ONLY.has(name)) only.add(name);
  return { only };
}

function varyNames(headerLines: readonly string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < headerLines.length; i += 2) {
    if (headerLines[i] !== 'vary') continue;
    for (const name of headerLines[i + 1]!.split(',')) {
      const trimmed = name.trim().toLowerCase();
      if (trimmed && trimmed !== '*') names.push(trimmed);
    }
  }
  return names;
}

/**
 * The client's request headers as the origin should see them: end-to-end headers as `policy`
 * selects them, with this edge added to Via and the client's address to X-Forwarded-For.
 */
export function forwardedHeaders(
  edgeId: string,
  req: IncomingMessage,
  policy: ForwardPolicy,
): Record<string, string | string[]> {
  const headers = selectHeaders(req.headers, policy);
  const client = req.socket.remoteAddress;
  if (client) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${String(headers['x-forwarded-for'])}, ${client}` : client;
  return withVia(edgeId, headers);
}

/**
 * For a fetch no client waits on (a stale-while-revalidate refresh): the headers the refreshed
 * variant was selected by, as `policy` lets them through, so the origin answers that same variant.
 */
export function refreshHeaders(edgeId: string, requestHeaders: CacheRequest['headers'], policy: ForwardPolicy): Record<string, string | string[]> {
  return withVia(edgeId, selectHeaders(requestHeaders, policy));
}

function selectHeaders(headers: CacheRequest['headers'], policy: ForwardPolicy): Record<string, string | string[]> {
  if ('except' in policy) return endToEndHeaders(headers, policy.except);
  const out: Record<string, string | string[]> = {};
  const endToEnd = endToEndHeaders(headers);
  for (const name in endToEnd) if (policy.only.has(name)) out[name] = endToEnd[name]!;
  return out;
}

function withVia(edgeId: string, headers: Record<string, string | string[]>): Record<string, string | string[]> {
  headers['via'] = headers['via'] ? `${String(headers['via'])}, 1.1 cdnsim-${edgeId}` : `1.1 cdnsim-${edgeId}`;
  return headers;
}
