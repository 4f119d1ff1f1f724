import { emptyBatch, grow, type ReadBatchesOptions, type TraceBatch } from './trace-batch.ts';
import { TraceFormatError, type TraceRequest } from './trace-request.ts';
import { wholeLines } from './whole-lines.ts';

/** A text format's line parser, fed whole lines (between `start` and a '\n' at `end - 1`). */
export abstract class LineParser {
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
    this.batch = emptyBatch(Math.ceil((1.1 * end) / this.lineBytes) + 64, this.options.details ?? false, this.options.interner !== undefined);
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

  /** `push` for a key already interned (the fast paths, with `options.interner`). */
  protected pushInterned(id: number, size: number, time: number): void {
    const batch = this.batch;
    const i = batch.length;
    if (i === batch.sizes.length) grow(batch);
    batch.ids![i] = id;
    batch.sizes[i] = size;
    batch.times[i] = time;
    batch.length = i + 1;
  }

  protected push(key: string, size: number, time: number, request?: TraceRequest): void {
    const batch = this.batch;
    const i = batch.length;
    if (i === batch.sizes.length) grow(batch);
    const interner = this.options.interner;
    if (interner) batch.ids![i] = interner.internString(key);
    else batch.keys.push(key);
    batch.sizes[i] = size;
    batch.times[i] = time;
    if (request) batch.requests?.push(request);
    batch.length = i + 1;
  }
}

/** Parses a text trace run of lines by run of lines; a parse error is thrown after the batch before it. */
export async function* readTextTrace(file: string, parser: LineParser): AsyncGenerator<TraceBatch> {
  for await (const { data, end } of wholeLines(file)) {
    const { batch, error } = parser.parse(data, end);
    if (batch.length > 0) yield batch;
    if (error) throw error;
  }
}
