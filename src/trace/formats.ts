import { TraceFormatError, type TraceRequest } from './trace-request.ts';

// The trace formats, their options, and line parsers over strings: the reference semantics. The
// batch reader (batch-reader.ts) parses clean lines straight from bytes and hands any other line
// to these, so values and error messages are the same on both paths.

export const TRACE_FORMATS = ['csv', 'oracle-general', 'webcachesim'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

export interface CsvColumns {
  key: string;
  size: string;
  timestamp: string;
  ttl: string;
  cacheable: string;
  country: string;
  clientIp: string;
  lat: string;
  lon: string;
}

export const DEFAULT_COLUMNS: CsvColumns = {
  key: 'key',
  size: 'size',
  timestamp: 'timestamp',
  ttl: 'ttl',
  cacheable: 'cacheable',
  country: 'country',
  clientIp: 'client_ip',
  lat: 'lat',
  lon: 'lon',
};

export interface ReadTraceOptions {
  format?: TraceFormat;
  columns?: Partial<CsvColumns>;
  /** Skip malformed lines (counted in `skipped`) instead of stopping at the first. */
  skipBad?: boolean;
  onSkip?: (error: TraceFormatError) => void;
}

/** The format a file's name suggests: *.csv[.gz], *.oracleGeneral[.bin] / *.bin, else webcachesim text. */
export function formatFromName(file: string): TraceFormat {
  const name = file.replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.bin') || name.includes('oracleGeneral')) return 'oracle-general';
  return 'webcachesim';
}

export function number(file: string, text: string | undefined, line: number, column: number, what: string, integer = true): number {
  const value = Number(text);
  const signed = what === 'latitude' || what === 'longitude';
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || (value < 0 && !signed)) {
    throw new TraceFormatError(file, line, column, `${what} must be ${integer ? 'a whole number' : 'a number'}, got "${text ?? ''}"`);
  }
  return value;
}

/** Where each known column is in a CSV (-1: absent), from its header line; key and size are required. */
export interface CsvLayout {
  names: string[];
  at: { key: number; size: number; time: number; ttl: number; cacheable: number; country: number; clientIp: number; lat: number; lon: number };
}

export function csvLayout(file: string, header: string, columns: CsvColumns): CsvLayout {
  const names = header.split(',').map((name) => name.trim());
  const index = (name: string) => names.indexOf(name);
  const at = {
    key: index(columns.key),
    size: index(columns.size),
    time: index(columns.timestamp),
    ttl: index(columns.ttl),
    cacheable: index(columns.cacheable),
    country: index(columns.country),
    clientIp: index(columns.clientIp),
    lat: index(columns.lat),
    lon: index(columns.lon),
  };
  if (at.key < 0) throw new TraceFormatError(file, 1, 1, `the header has no "${columns.key}" column (found: ${names.join(', ')})`);
  if (at.size < 0) throw new TraceFormatError(file, 1, 1, `the header has no "${columns.size}" column (found: ${names.join(', ')})`);
  return { names, at };
}

/** A parser for one data line of a CSV laid out as its header says. */
export function csvParser(file: string, { names, at }: CsvLayout): (line: string, lineNumber: number) => TraceRequest | undefined {
  /** 1-based column (character position) of field i, for error messages. */
  const columnOf = (fields: string[], i: number) => fields.slice(0, i).reduce((sum, field) => sum + field.length + 1, 0) + 1;
  return (line, lineNumber) => {
    if (line.trim() === '') return undefined;
    const fields = line.split(',');
    if (fields.length < names.length) {
      throw new TraceFormatError(file, lineNumber, line.length + 1, `expected ${names.length} fields, found ${fields.length}`);
    }
    const field = (i: number) => (i >= 0 ? fields[i]!.trim() : undefined);
    const request: TraceRequest = {
      key: field(at.key)!,
      size: number(file, field(at.size), lineNumber, columnOf(fields, at.size), 'size'),
      time: at.time >= 0 ? number(file, field(at.time), lineNumber, columnOf(fields, at.time), 'timestamp', false) : 0,
    };
    if (request.key === '') throw new TraceFormatError(file, lineNumber, columnOf(fields, at.key), 'empty key');
    if (at.ttl >= 0 && field(at.ttl) !== '') request.ttl = number(file, field(at.ttl), lineNumber, columnOf(fields, at.ttl), 'ttl');
    if (at.cacheable >= 0 && field(at.cacheable) !== '') {
      const text = field(at.cacheable)!.toLowerCase();
      if (!['0', '1', 'true', 'false'].includes(text)) {
        throw new TraceFormatError(file, lineNumber, columnOf(fields, at.cacheable), `cacheable must be 0, 1, true or false, got "${text}"`);
      }
      request.cacheable = text === '1' || text === 'true';
    }
    if (at.country >= 0 && field(at.country)) request.country = field(at.country)!.toUpperCase();
    if (at.clientIp >= 0 && field(at.clientIp)) request.clientIp = field(at.clientIp);
    if (at.lat >= 0 && at.lon >= 0 && field(at.lat) && field(at.lon)) {
      request.lat = number(file, field(at.lat), lineNumber, columnOf(fields, at.lat), 'latitude', false);
      request.lon = number(file, field(at.lon), lineNumber, columnOf(fields, at.lon), 'longitude', false);
    }
    return request;
  };
}

/** webcachesim: "time id size" separated by white space, no header. */
export function parseWebcachesim(file: string, line: string, lineNumber: number): TraceRequest | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const fields = trimmed.split(/\s+/);
  if (fields.length < 3) throw new TraceFormatError(file, lineNumber, line.length + 1, `expected "time id size", found ${fields.length} fields`);
  const column = (i: number) => line.indexOf(fields[i]!) + 1;
  return {
    time: number(file, fields[0], lineNumber, column(0), 'time', false),
    key: fields[1]!,
    size: number(file, fields[2], lineNumber, column(2), 'size'),
  };
}
