import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Headers meaningful only for one connection (RFC 9110 section 7.6.1); a proxy must not forward them. */
const HOP_BY_HOP = new Set([
  'connection',
  // Not hop-by-hop in RFC 9110's list, but a proxy answers it itself (section 10.1.1): Node's
  // server sends 100 Continue, and undici refuses to forward it (NotSupportedError).
  'expect',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

type HeaderBag = IncomingHttpHeaders | OutgoingHttpHeaders | Record<string, string | string[] | undefined>;

/** Copies end-to-end headers, dropping hop-by-hop ones and any named in Connection. */
export function endToEndHeaders(headers: HeaderBag, alsoDrop?: ReadonlySet<string>): Record<string, string | string[]> {
  const connection = headers.connection;
  const named =
    typeof connection === 'string' ? connection.toLowerCase().split(',').map((token) => token.trim()) : [];
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || alsoDrop?.has(lower) || (named.length > 0 && named.includes(lower))) continue;
    out[lower] = typeof value === 'number' ? String(value) : value;
  }
  return out;
}
