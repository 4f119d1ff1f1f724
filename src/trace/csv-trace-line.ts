/** The columns `cdnsim trace gen` writes, in the reader's default names. */
export const CSV_TRACE_HEADER = 'timestamp,key,size,ttl,cacheable,country,client_ip\n';

export interface CsvTraceRow {
  timestamp: number;
  key: string;
  size: number;
  ttl: number;
  cacheable: boolean;
  country: string;
  clientIp: string;
}

// The reader splits a line on every comma (its fast path works on raw bytes and never unquotes),
// so RFC 4180 quoting would be read back as other fields. A field that would need quoting is
// refused rather than written as a trace that reads back wrong.
const NEEDS_QUOTING = /[",\r\n]/;

function plain(field: string, value: string): string {
  if (NEEDS_QUOTING.test(value)) {
    throw new RangeError(`${field} ${JSON.stringify(value)} cannot be written to a CSV trace: it holds a comma, a quote or a line break, and cdnsim's CSV traces are not quoted`);
  }
  return value;
}

/** One request as a CSV line (with its newline). */
export function csvTraceLine(row: CsvTraceRow): string {
  return `${row.timestamp},${plain('key', row.key)},${row.size},${row.ttl},${row.cacheable ? 1 : 0},${plain('country', row.country)},${plain('client_ip', row.clientIp)}\n`;
}
