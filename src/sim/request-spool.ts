import { open, unlink, type FileHandle } from 'node:fs/promises';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TraceBatch } from '../trace/trace-batch.ts';

/** Batch header: [requests, 1 when the sizes follow as Float64 (else Uint32)]. */
const HEADER_BYTES = 8;

/**
 * A trace's requests as (key number, size) pairs in a binary temporary file, written while a first
 * pass reads the text (the working-set pass of fraction cache sizes) and replayed by the
 * simulation, which then reads 8 bytes a request instead of parsing and interning the text again.
 * Size-0 requests are left out (the simulator drops them). The file is unlinked as soon as it is
 * open, so nothing is left behind whatever happens to the process; it is read once, then closed.
 */
export class RequestSpool {
  /** Malformed lines the first pass skipped (`skipBad`), for the simulation to report. */
  skipped = 0;
  private written = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async create(): Promise<RequestSpool> {
    const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-spool-'));
    const file = path.join(dir, 'requests');
    const handle = await open(file, 'w+');
    await unlink(file);
    rmdirSync(dir);
    return new RequestSpool(handle);
  }

  /** Adds a batch with interned keys (`ids`). */
  async append({ ids, sizes, length }: TraceBatch): Promise<void> {
    const keptIds = new Int32Array(length);
    const keptSizes = new Float64Array(length);
    let kept = 0;
    let small = true;
    for (let i = 0; i < length; i++) {
      const size = sizes[i]!;
      if (size === 0) continue;
      if (size > 0xffffffff) small = false;
      keptIds[kept] = ids![i]!;
      keptSizes[kept++] = size;
    }
    if (kept === 0) return;
    const header = new Int32Array([kept, small ? 0 : 1]);
    const sizeBytes = small ? Uint32Array.from(keptSizes.subarray(0, kept)) : keptSizes.subarray(0, kept);
    for (const part of [header, keptIds.subarray(0, kept), sizeBytes]) {
      const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
      await this.handle.write(bytes, 0, bytes.length, this.written);
      this.written += bytes.length;
    }
  }

  /** The requests again, batch by batch as appended (`ids` and `sizes`; no times); then the file is closed. */
  async *replay(): AsyncGenerator<TraceBatch> {
    try {
      const header = new Int32Array(2);
      for (let at = 0; at < this.written; ) {
        await this.readInto(header, at);
        const [length, wide] = [header[0]!, header[1]!];
        at += HEADER_BYTES;
        const ids = new Int32Array(length);
        await this.readInto(ids, at);
        at += ids.byteLength;
        let sizes: Float64Array;
        if (wide) {
          sizes = new Float64Array(length);
          await this.readInto(sizes, at);
        } else {
          const narrow = new Uint32Array(length);
          await this.readInto(narrow, at);
          sizes = Float64Array.from(narrow);
        }
        at += wide ? length * 8 : length * 4;
        yield { length, keys: [], ids, sizes, times: new Float64Array(0) };
      }
    } finally {
      await this.discard();
    }
  }

  /** Closes the file (and so frees its space) without replaying it. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => {});
  }

  private async readInto(array: Int32Array | Uint32Array | Float64Array, at: number): Promise<void> {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    const { bytesRead } = await this.handle.read(bytes, 0, bytes.length, at);
    if (bytesRead !== bytes.length) throw new Error(`the request spool ended early (${bytesRead} of ${bytes.length} bytes at ${at})`);
  }
}
