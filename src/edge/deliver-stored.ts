import type { IncomingMessage, ServerResponse } from 'node:http';
import { evaluatePreconditions, selectRange, type Validators } from '../http/preconditions.ts';
import type { StoredResponse } from '../cache/stored-response.ts';

export interface StoredDelivery {
  status: number;
  headers: Record<string, string | string[]>;
  /** The slice of the stored body to send; a view, never a copy. */
  body: Buffer | undefined;
}

/**
 * Shapes a stored response for this particular request: 304/412 when the client's validators say
 * so, 206/416 for a byte range of a stored full object, else the stored status.
 */
export function prepareStoredDelivery(req: IncomingMessage, entry: StoredResponse): StoredDelivery {
  const headers = entry.policy.responseHeaders() as Record<string, string | string[]>;
  delete headers['content-length'];
  if (entry.status !== 200) return whole(entry, headers);
  const validators = validatorsOf(headers);
  const precondition = evaluatePreconditions(req.method ?? 'GET', req.headers, validators);
  if (precondition === 'not-modified') return { status: 304, headers: pickNotModifiedHeaders(headers), body: undefined };
  if (precondition === 'failed') return { status: 412, headers: { 'content-length': '0' }, body: undefined };
  const size = entry.body.length;
  const range = req.method === 'GET' ? selectRange(req.headers, size, validators) : 'whole';
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { 'content-range': `bytes */${size}`, 'content-length': '0' }, body: undefined };
  }
  headers['accept-ranges'] = 'bytes';
  if (range === 'whole') return whole(entry, headers);
  headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
  headers['content-length'] = String(range.end - range.start + 1);
  return { status: 206, headers, body: entry.body.subarray(range.start, range.end + 1) };
}

function whole(entry: StoredResponse, headers: Record<string, string | string[]>): StoredDelivery {
  headers['content-length'] = String(entry.body.length);
  return { status: entry.status, headers, body: entry.body };
}

export function writeDelivery(req: IncomingMessage, res: ServerResponse, delivery: StoredDelivery): number {
  res.writeHead(delivery.status, delivery.headers);
  if (req.method === 'HEAD' || !delivery.body) {
    res.end();
    return 0;
  }
  res.end(delivery.body);
  return delivery.body.length;
}

function validatorsOf(headers: Record<string, string | string[]>): Validators {
  const etag = headers['etag'];
  const lastModified = headers['last-modified'];
  const modifiedMs = typeof lastModified === 'string' ? Date.parse(lastModified) : NaN;
  return {
    etag: typeof etag === 'string' ? etag : undefined,
    lastModified: Number.isNaN(modifiedMs) ? undefined : modifiedMs,
  };
}

/** RFC 9110 section 15.4.5: a 304 carries the validators and caching headers, not the representation's. */
function pickNotModifiedHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified', 'age']) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
