/** One request of a trace, whatever the file format. */
export interface TraceRequest {
  /** Seconds (as the trace counts them); 0 when the format has no time. */
  time: number;
  key: string;
  /** Bytes; size-0 requests are the simulator's to drop, not the reader's. */
  size: number;
  ttl?: number;
  cacheable?: boolean;
  country?: string;
  clientIp?: string;
  lat?: number;
  lon?: number;
  /** oracleGeneral only: the index of this object's next request, -1 if none. */
  nextAccess?: number;
}

/** A line of a trace that cannot be read; says where, so the file can be fixed. */
export class TraceFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'TraceFormatError';
  }
}
