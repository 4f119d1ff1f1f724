import type { IncomingHttpHeaders } from 'node:http';
import rangeParser from 'range-parser';

/** What a representation can be compared by: a quoted entity tag and a modification time (ms). */
export interface Validators {
  etag?: string;
  lastModified?: number;
}

export type PreconditionResult = 'proceed' | 'not-modified' | 'failed';

/**
 * RFC 9110 section 13.2.2, in its order: If-Match, else If-Unmodified-Since; then If-None-Match,
 * else If-Modified-Since (GET/HEAD only). Used by the origin and by the edge answering from cache.
 */
export function evaluatePreconditions(method: string, headers: IncomingHttpHeaders, validators: Validators): PreconditionResult {
  const safe = method === 'GET' || method === 'HEAD';
  const { etag } = validators;
  const modifiedSeconds = validators.lastModified === undefined ? undefined : Math.floor(validators.lastModified / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!listMatches(ifMatch, etag, strongEqual)) return 'failed';
  } else {
    const since = parseDate(headers['if-unmodified-since']);
    if (since !== undefined && modifiedSeconds !== undefined && modifiedSeconds > since) return 'failed';
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (listMatches(ifNoneMatch, etag, weakEqual)) return safe ? 'not-modified' : 'failed';
  } else if (safe) {
    const since = parseDate(headers['if-modified-since']);
    if (since !== undefined && modifiedSeconds !== undefined && modifiedSeconds <= since) return 'not-modified';
  }
  return 'proceed';
}

export type RangeSelection = { start: number; end: number } | 'unsatisfiable' | 'whole';

/** Picks the byte range to send; several disjoint ranges are answered whole (allowed by RFC 9110 section 14.2). */
export function selectRange(headers: IncomingHttpHeaders, size: number, validators: Validators): RangeSelection {
  const header = headers.range;
  const ifRange = headers['if-range'];
  if (header === undefined || !ifRangeHolds(typeof ifRange === 'string' ? ifRange : undefined, validators)) return 'whole';
  const ranges = rangeParser(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return 'whole';
  return ranges[0]!;
}

function ifRangeHolds(value: string | undefined, validators: Validators): boolean {
  if (value === undefined) return true;
  const trimmed = value.trim();
  if (trimmed.startsWith('"') || trimmed.startsWith('W/')) return validators.etag !== undefined && strongEqual(trimmed, validators.etag);
  const date = parseDate(trimmed);
  return date !== undefined && validators.lastModified !== undefined && date === Math.floor(validators.lastModified / 1000);
}

function listMatches(header: string, etag: string | undefined, equal: (a: string, b: string) => boolean): boolean {
  if (header.trim() === '*') return true;
  return etag !== undefined && header.split(',').some((tag) => equal(tag.trim(), etag));
}

function strongEqual(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b;
}

function weakEqual(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
}

/** Seconds since the epoch, or undefined for a missing or invalid date (which is then ignored). */
function parseDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
