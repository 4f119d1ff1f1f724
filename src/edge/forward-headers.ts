import type { IncomingMessage } from 'node:http';
import { endToEndHeaders } from '../net/hop-by-hop.ts';

/**
 * Dropped from a fetch whose response will be shared with other clients: one client's conditional
 * and range headers (the edge wants whole objects), and unkeyed headers that frameworks read as
 * the URL, host or method. Forwarding those would let one client change what every other client
 * is served from cache (web cache poisoning). Passed-through requests keep them.
 */
export const SHARED_FETCH_DROPPED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
  'x-forwarded-host',
  'x-forwarded-server',
  'x-forwarded-scheme',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'forwarded',
  'x-host',
  'x-original-url',
  'x-rewrite-url',
  'x-original-host',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

export const HOST_ONLY: ReadonlySet<string> = new Set(['host']);

/**
 * The client's request headers as the origin should see them: end-to-end headers unchanged,
 * minus `drop`, with this edge added to Via and the client's address to X-Forwarded-For.
 */
export function forwardedHeaders(
  edgeId: string,
  req: IncomingMessage,
  drop: ReadonlySet<string>,
): Record<string, string | string[]> {
  const headers = endToEndHeaders(req.headers, drop);
  const client = req.socket.remoteAddress;
  if (client) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${String(headers['x-forwarded-for'])}, ${client}` : client;
  headers['via'] = headers['via'] ? `${String(headers['via'])}, 1.1 cdnsim-${edgeId}` : `1.1 cdnsim-${edgeId}`;
  return headers;
}
