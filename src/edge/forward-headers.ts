import type { IncomingMessage } from 'node:http';
import { endToEndHeaders } from '../net/hop-by-hop.ts';

/** Request headers about one client's own copy; the edge asks the origin for whole objects. */
export const CLIENT_CONDITIONAL_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
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
