import { csvLayout, csvParser, DEFAULT_COLUMNS, type CsvLayout } from './formats.ts';
import { LineParser } from './line-parser.ts';
import { grow } from './trace-batch.ts';
import { asciiString, digits, isDecimal } from './trace-bytes.ts';
import type { TraceRequest } from './trace-request.ts';

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
export class CsvLines extends LineParser {
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
    let { keys, sizes, times, ids, requests } = batch;
    const interner = this.options.interner;
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
          ({ sizes, times, ids } = batch);
        }
        if (interner) ids![n] = interner.intern(data, keyStart, keyEnd);
        else {
          const key = asciiString(data, keyStart, keyEnd);
          keys.push(key);
          if (requests) requests.push(csvRequest(data, spans, key, size, time, ttl, cacheable));
        }
        sizes[n] = size;
        times[n] = time;
        n++;
      } else {
        batch.length = n;
        this.lineNumber = lineNumber;
        const more = this.slowLine(data, start, i, parseLine);
        batch = this.batch;
        ({ keys, sizes, times, ids, requests } = batch);
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
