import type { IncomingMessage, ServerResponse } from 'node:http';
import rangeParser from 'range-parser';
import type { StoredResponse } from './stored-response.ts';

export interface StoredDelivery {
  status: number;
  headers: Record<string, string | string[]>;
  /** The slice of the stored body to send; a view, never a copy. */
  body: Buffer | undefined;
}

/**
 * Shapes a stored response for this particular request: 304 when the client's validators match,
 * 206/416 for a byte range of a stored full object, 200 otherwise.
 */
export function prepareStoredDelivery(req: IncomingMessage, entry: StoredResponse): StoredDelivery {
  const headers = entry.policy.responseHeaders() as Record<string, string | string[]>;
  delete headers['content-length'];
  if (entry.status === 200 && notModified(req, headers)) {
    return { status: 304, headers: pickNotModifiedHeaders(headers), body: undefined };
  }
  const size = entry.body.length;
  const range = req.method === 'GET' && entry.status === 200 ? selectRange(req, headers, size) : undefined;
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { 'content-range': `bytes */${size}`, 'content-length': '0' }, body: undefined };
  }
  headers['accept-ranges'] = 'bytes';
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['content-length'] = String(range.end - range.start + 1);
    return { status: 206, headers, body: entry.body.subarray(range.start, range.end + 1) };
  }
  headers['content-length'] = String(size);
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

function notModified(req: IncomingMessage, headers: Record<string, string | string[]>): boolean {
  const etag = headers['etag'];
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (typeof etag !== 'string') return false;
    return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => weakEqual(tag.trim(), etag));
  }
  const since = req.headers['if-modified-since'];
  const lastModified = headers['last-modified'];
  if (since === undefined || typeof lastModified !== 'string') return false;
  const sinceMs = Date.parse(since);
  const modifiedMs = Date.parse(lastModified);
  return !Number.isNaN(sinceMs) && !Number.isNaN(modifiedMs) && modifiedMs <= sinceMs;
}

function weakEqual(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
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

function selectRange(
  req: IncomingMessage,
  headers: Record<string, string | string[]>,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const header = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (!header || !ifRangeMatches(typeof ifRange === 'string' ? ifRange : undefined, headers)) return undefined;
  const ranges = rangeParser(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  // Malformed, or several disjoint ranges: answering with the whole object is allowed (RFC 9110 section 14.2).
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return ranges[0];
}

function ifRangeMatches(ifRange: string | undefined, headers: Record<string, string | string[]>): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return headers['etag'] === value;
  if (value.startsWith('W/')) return false;
  const lastModified = headers['last-modified'];
  return typeof lastModified === 'string' && Date.parse(lastModified) === Date.parse(value);
}
