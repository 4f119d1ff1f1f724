import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { csvLayout, csvParser, DEFAULT_COLUMNS, formatFromName, parseWebcachesim, type CsvLayout, type ReadTraceOptions } from './formats.ts';
import { TraceFormatError, type TraceRequest } from './trace-request.ts';

/**
 * The requests of one chunk of a trace, column-wise: the simulator's hot loop runs synchronously
 * over a batch and crosses the async boundary once per chunk (about 1 MiB of file), not per request.
 */
export interface TraceBatch {
  length: number;
  keys: string[];
  /** Bytes. */
  sizes: Float64Array;
  times: Float64Array;
  /** oracleGeneral only: the index of each key's next request, -1 if none. */
  nextAccess?: Float64Array;
  /** With `details: true`: the requests with every optional field (ttl, country, ...). */
  requests?: TraceRequest[];
}

export interface ReadBatchesOptions extends ReadTraceOptions {
  /**
   * Also build a full `TraceRequest` per request (ttl, cacheable, country, ...), as `readTrace`
   * yields them. Off, only key, size and time are kept, but every column is still checked.
   */
  details?: boolean;
}

const CHUNK_BYTES = 1 << 20;

function open(file: string): Readable {
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  if (!file.endsWith('.gz')) return raw;
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  // pipe() does not pass a read error on; the reader would wait for ever.
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/** Streams a trace from disk in batches, never holding more than a chunk of the file. */
export function readTraceBatches(file: string, options: ReadBatchesOptions = {}): AsyncGenerator<TraceBatch> {
  const format = options.format ?? formatFromName(file);
  if (format === 'oracle-general') return readOracleGeneral(file, options.details ?? false);
  return readTextTrace(file, format === 'csv' ? new CsvLines(file, options) : new WebcachesimLines(file, options));
}

/** A text format's line parser, fed whole lines (between `start` and a '\n' at `end - 1`). */
abstract class LineParser {
  /** Lines read so far, the current one included. */
  lineNumber = 0;
  protected batch: TraceBatch = emptyBatch(0, false);
  private pending: TraceFormatError | undefined;

  constructor(
    readonly file: string,
    protected readonly options: ReadBatchesOptions,
  ) {}

  /** Bytes per line so far, to size the next batch (arrays much too long cost garbage collections). */
  private lineBytes = 16;

  /** Parses every line of data[0, end); end - 1 is a '\n'. Returns the batch, and a format error to throw after it. */
  parse(data: Buffer, end: number): { batch: TraceBatch; error?: TraceFormatError } {
    this.batch = emptyBatch(Math.ceil((1.1 * end) / this.lineBytes) + 64, this.options.details ?? false);
    this.pending = undefined;
    const before = this.lineNumber;
    this.parseLines(data, end);
    if (this.lineNumber > before) this.lineBytes = Math.max(4, end / (this.lineNumber - before));
    const batch = this.batch;
    return { batch, error: this.pending };
  }

  protected abstract parseLines(data: Buffer, end: number): void;

  /** A line the fast path does not handle, through the string parser: the reference values and errors. Returns false to stop. */
  protected slowLine(data: Buffer, start: number, newline: number, parse: (line: string, lineNumber: number) => TraceRequest | undefined): boolean {
    const lineEnd = newline > start && data[newline - 1] === 13 ? newline - 1 : newline;
    let request: TraceRequest | undefined;
    try {
      request = parse(data.toString('utf8', start, lineEnd), this.lineNumber);
    } catch (error) {
      if (!(error instanceof TraceFormatError)) throw error;
      if (!this.options.skipBad) {
        this.pending = error;
        return false;
      }
      this.options.onSkip?.(error);
      return true;
    }
    if (request) this.push(request.key, request.size, request.time, request);
    return true;
  }

  protected push(key: string, size: number, time: number, request?: TraceRequest): void {
    const batch = this.batch;
    const i = batch.length;
    if (i === batch.sizes.length) grow(batch);
    batch.keys.push(key);
    batch.sizes[i] = size;
    batch.times[i] = time;
    if (request) batch.requests?.push(request);
    batch.length = i + 1;
  }
}

function emptyBatch(capacity: number, details: boolean): TraceBatch {
  return { length: 0, keys: [], sizes: new Float64Array(capacity), times: new Float64Array(capacity), ...(details ? { requests: [] } : {}) };
}

function grow(batch: TraceBatch): void {
  const capacity = Math.max(16, batch.sizes.length * 2);
  const sizes = new Float64Array(capacity);
  sizes.set(batch.sizes);
  const times = new Float64Array(capacity);
  times.set(batch.times);
  batch.sizes = sizes;
  batch.times = times;
}

async function* readTextTrace(file: string, parser: LineParser): AsyncGenerator<TraceBatch> {
  let carry: Buffer | undefined;
  const stream = open(file);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      const end = data.lastIndexOf(10) + 1;
      if (end === 0) {
        carry = data;
        continue;
      }
      const { batch, error } = parser.parse(data, end);
      if (batch.length > 0) yield batch;
      if (error) throw error;
      carry = end < data.length ? data.subarray(end) : undefined;
    }
    // A last line without a newline still counts.
    if (carry && carry.length > 0) {
      const { batch, error } = parser.parse(Buffer.concat([carry, NEWLINE]), carry.length + 1);
      if (batch.length > 0) yield batch;
      if (error) throw error;
    }
  } finally {
    stream.destroy();
  }
}

const NEWLINE = Buffer.from('\n');

// What a CSV column means to the fast path.
const IGNORED = 0;
const KEY = 1;
const SIZE = 2;
const TIME = 3;
const TTL = 4;
const CACHEABLE = 5;
const LAT = 6;
const LON = 7;
const COUNTRY = 8;
const CLIENT_IP = 9;
const ROLES = 10;

/** Lines of the CSV formats: the header names the columns. */
class CsvLines extends LineParser {
  private layout: CsvLayout | undefined;
  private parseLine: ((line: string, lineNumber: number) => TraceRequest | undefined) | undefined;
  /** The role of each column; undefined when only the string parser can be trusted with this file. */
  private roles: Uint8Array | undefined;

  protected parseLines(data: Buffer, end: number): void {
    let i = 0;
    if (!this.layout) {
      const newline = data.indexOf(10);
      this.lineNumber++;
      const header = data.toString('utf8', 0, newline > 0 && data[newline - 1] === 13 ? newline - 1 : newline);
      this.layout = csvLayout(this.file, header, { ...DEFAULT_COLUMNS, ...this.options.columns });
      this.parseLine = csvParser(this.file, this.layout);
      this.roles = csvRoles(this.layout, this.options.details ?? false);
      i = newline + 1;
    }
    const parseLine = this.parseLine!;
    const roles = this.roles;
    if (!roles) {
      for (; i < end; ) {
        const newline = data.indexOf(10, i);
        this.lineNumber++;
        if (!this.slowLine(data, i, newline, parseLine)) return;
        i = newline + 1;
      }
      return;
    }
    const fieldCount = this.layout!.names.length;
    const roleCount = roles.length;
    // The batch in locals: the slow path appends through push(), so they are reloaded after it.
    let batch = this.batch;
    let { keys, sizes, times, requests } = batch;
    let n = batch.length;
    let lineNumber = this.lineNumber;
    // Where each text column of the line is (start, end by role), for the details.
    const spans = new Int32Array(2 * ROLES);
    while (i < end) {
      const start = i;
      lineNumber++;
      let field = 0;
      let ok = true;
      let keyStart = 0;
      let keyEnd = 0;
      let size = -1;
      let time = 0;
      let ttl = -1;
      let cacheable = -1;
      let b = 0;
      // The columns with a role, one by one...
      for (; field < roleCount; ) {
        const fieldStart = i;
        const role = roles[field]!;
        if (role === SIZE || role === TIME || role === TTL) {
          // Digits read as they are scanned; anything else (a CR at the end included) is checked again below.
          let value = 0;
          let clean = true;
          while ((b = data[i]!) !== 44 && b !== 10) {
            const digit = b - 48;
            if (digit < 0 || digit > 9) clean = false;
            value = value * 10 + digit;
            i++;
          }
          if (!clean || i === fieldStart || i - fieldStart > 15) value = digits(data, fieldStart, b === 10 && data[i - 1] === 13 ? i - 1 : i);
          if (role === TTL) {
            ttl = value;
            if (value < 0 && !(i === fieldStart || (i === fieldStart + 1 && data[fieldStart] === 13))) ok = false;
          } else if (value < 0) ok = false;
          else if (role === SIZE) size = value;
          else time = value;
        } else if (role === IGNORED) {
          while ((b = data[i]!) !== 44 && b !== 10) i++;
        } else {
          let or = 0;
          while ((b = data[i]!) !== 44 && b !== 10) {
            or |= b;
            i++;
          }
          let fieldEnd = i;
          if (b === 10 && fieldEnd > fieldStart && data[fieldEnd - 1] === 13) fieldEnd--;
          if (role === KEY) {
            // Clean: not empty, ASCII, nothing that trim() would remove.
            if (fieldEnd === fieldStart || or & 0x80 || data[fieldStart]! <= 32 || data[fieldEnd - 1]! <= 32) ok = false;
            keyStart = fieldStart;
            keyEnd = fieldEnd;
          } else if (role === CACHEABLE) {
            if (fieldEnd > fieldStart && (fieldEnd - fieldStart !== 1 || (data[fieldStart] !== 48 && data[fieldStart] !== 49))) ok = false;
            cacheable = fieldEnd > fieldStart ? data[fieldStart]! - 48 : -1;
          } else if (role === LAT || role === LON) {
            if (fieldEnd > fieldStart && !isDecimal(data, fieldStart, fieldEnd)) ok = false;
          } else if (fieldEnd > fieldStart && (or & 0x80 || data[fieldStart]! <= 32 || data[fieldEnd - 1]! <= 32)) {
            ok = false; // country, client_ip: clean, or through the string parser
          }
          spans[2 * role] = fieldStart;
          spans[2 * role + 1] = fieldEnd;
        }
        field++;
        if (b === 10) break;
        i++;
      }
      // ... then only the commas of the rest, to count the fields (i is at the start of one).
      if (b !== 10) {
        field++;
        while ((b = data[i]!) !== 10) {
          if (b === 44) field++;
          i++;
        }
      }
      if (ok && field >= fieldCount) {
        if (n === sizes.length) {
          grow(batch);
          ({ sizes, times } = batch);
        }
        const key = asciiString(data, keyStart, keyEnd);
        keys.push(key);
        sizes[n] = size;
        times[n] = time;
        n++;
        if (requests) requests.push(csvRequest(data, spans, key, size, time, ttl, cacheable));
      } else {
        batch.length = n;
        this.lineNumber = lineNumber;
        const more = this.slowLine(data, start, i, parseLine);
        batch = this.batch;
        ({ keys, sizes, times, requests } = batch);
        n = batch.length;
        if (!more) return;
      }
      i++;
    }
    batch.length = n;
    this.lineNumber = lineNumber;
  }
}

/** A clean line's request with every field, as the string parser makes it. */
function csvRequest(data: Buffer, spans: Int32Array, key: string, size: number, time: number, ttl: number, cacheable: number): TraceRequest {
  const request: TraceRequest = { key, size, time };
  if (ttl >= 0) request.ttl = ttl;
  if (cacheable >= 0) request.cacheable = cacheable === 1;
  const text = (role: number) => (spans[2 * role + 1]! > spans[2 * role]! ? asciiString(data, spans[2 * role]!, spans[2 * role + 1]!) : undefined);
  const country = text(COUNTRY);
  if (country !== undefined) request.country = country.toUpperCase();
  const clientIp = text(CLIENT_IP);
  if (clientIp !== undefined) request.clientIp = clientIp;
  const lat = text(LAT);
  const lon = text(LON);
  if (lat !== undefined && lon !== undefined) {
    request.lat = Number(lat);
    request.lon = Number(lon);
  }
  return request;
}

/**
 * Column roles for the fast path (country and client_ip only for the details), or undefined when
 * a column plays two parts (left to the string parser).
 */
function csvRoles({ at }: CsvLayout, details: boolean): Uint8Array | undefined {
  const assigned: [number, number][] = [
    [at.key, KEY],
    [at.size, SIZE],
    [at.time, TIME],
    [at.ttl, TTL],
    [at.cacheable, CACHEABLE],
  ];
  // The string parser reads latitude and longitude only as a pair.
  if (at.lat >= 0 && at.lon >= 0) assigned.push([at.lat, LAT], [at.lon, LON]);
  if (details) assigned.push([at.country, COUNTRY], [at.clientIp, CLIENT_IP]);
  const roles = new Uint8Array(Math.max(...assigned.map(([index]) => index + 1)));
  for (const [index, role] of assigned) {
    if (index < 0) continue;
    if (roles[index] !== IGNORED) return undefined;
    roles[index] = role;
  }
  return roles;
}

/** The value of a field of plain decimal digits (at most 15, so exact), or -1 for anything else. */
function digits(data: Buffer, start: number, end: number): number {
  if (end === start || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = data[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** -?digits[.digits]: a finite number whatever Number() makes of it. */
function isDecimal(data: Buffer, start: number, end: number): boolean {
  let i = data[start] === 45 ? start + 1 : start;
  let seen = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = data[i]!;
    if (c === 46 && !dot && seen > 0) {
      dot = true;
      seen = 0;
    } else if (c >= 48 && c <= 57) seen++;
    else return false;
  }
  return seen > 0 && end - start < 300;
}

const fromCharCode = String.fromCharCode;
/** Node's Buffer has it (toString('latin1') calls it after checking its arguments); @types/node does not list it. */
type LatinSlicing = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * The string of an ASCII byte range. Short keys through String.fromCharCode with fixed arguments
 * (about 2x faster than a Buffer decode, which is a call into C++); longer ones decoded.
 */
function asciiString(d: Buffer, s: number, e: number): string {
  switch (e - s) {
    case 1: return fromCharCode(d[s]!);
    case 2: return fromCharCode(d[s]!, d[s + 1]!);
    case 3: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!);
    case 4: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!);
    case 5: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!);
    case 6: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!);
    case 7: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!);
    case 8: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!);
    case 9: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!);
    case 10: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!);
    case 11: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!);
    case 12: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!, d[s + 11]!);
    default: return (d as LatinSlicing).latin1Slice(s, e);
  }
}

/** webcachesim text: "time id size" separated by spaces or tabs, '#' comments, no header. */
class WebcachesimLines extends LineParser {
  private readonly parseLine = (line: string, lineNumber: number) => parseWebcachesim(this.file, line, lineNumber);

  protected parseLines(data: Buffer, end: number): void {
    const details = this.options.details ?? false;
    for (let i = 0; i < end; ) {
      const start = i;
      const newline = data.indexOf(10, i);
      this.lineNumber++;
      // Fast path: digits, blanks, a printable ASCII key, blanks, digits, then blanks or more fields.
      let j = i;
      while (isDigit(data[j]!)) j++;
      const time = digits(data, i, j);
      const afterTime = j;
      while (data[j] === 32 || data[j] === 9) j++;
      const keyStart = j;
      while (data[j]! > 32 && data[j]! < 127) j++;
      const keyEnd = j;
      while (data[j] === 32 || data[j] === 9) j++;
      const sizeStart = j;
      while (isDigit(data[j]!)) j++;
      const size = digits(data, sizeStart, j);
      const next = data[j]!;
      const ok = time >= 0 && keyStart > afterTime && keyEnd > keyStart && sizeStart > keyEnd && size >= 0 && (next === 32 || next === 9 || next === 10 || next === 13);
      if (ok) {
        const key = asciiString(data, keyStart, keyEnd);
        this.push(key, size, time, details ? { time, key, size } : undefined);
      } else if (!this.slowLine(data, start, newline, this.parseLine)) {
        return;
      }
      i = newline + 1;
    }
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** libCacheSim oracleGeneral: 24-byte little-endian records (u32 time, u64 id, u32 size, i64 next access). */
const ORACLE_RECORD_BYTES = 24;
const TWO_32 = 2 ** 32;

async function* readOracleGeneral(file: string, details: boolean): AsyncGenerator<TraceBatch> {
  let carry: Buffer = Buffer.alloc(0);
  let record = 0;
  const stream = open(file);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const count = Math.floor(data.length / ORACLE_RECORD_BYTES);
      const batch: TraceBatch = { ...emptyBatch(count, details), nextAccess: new Float64Array(count) };
      for (let i = 0, offset = 0; i < count; i++, offset += ORACLE_RECORD_BYTES) {
        const high = data.readUInt32LE(offset + 8);
        // Below 2^53 a double holds the id exactly, and prints as BigInt would.
        const key = high < 0x200000 ? String(high * TWO_32 + data.readUInt32LE(offset + 4)) : data.readBigUInt64LE(offset + 4).toString();
        const time = data.readUInt32LE(offset);
        const size = data.readUInt32LE(offset + 12);
        const next = data.readInt32LE(offset + 20) * TWO_32 + data.readUInt32LE(offset + 16);
        batch.keys.push(key);
        batch.times[i] = time;
        batch.sizes[i] = size;
        batch.nextAccess![i] = next;
        batch.requests?.push({ time, key, size, nextAccess: next });
      }
      batch.length = count;
      record += count;
      if (count > 0) yield batch;
      carry = data.subarray(count * ORACLE_RECORD_BYTES);
    }
  } finally {
    stream.destroy();
  }
  if (carry.length > 0) {
    throw new TraceFormatError(file, record + 1, 1, `a ${carry.length}-byte partial record at the end (records are ${ORACLE_RECORD_BYTES} bytes)`);
  }
}
