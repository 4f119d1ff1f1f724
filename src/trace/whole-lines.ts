import { open } from 'node:fs/promises';
import { openTraceFile } from './trace-file.ts';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = Buffer.from('\n');

/**
 * A text trace as runs of whole lines: each `data[0, end)` ends with a '\n' (one is added after a
 * last line without it). `data` is only valid until the next step: a plain file is read into one
 * reused buffer, the part line at its end moved to the front, so no chunk is ever copied whole.
 */
export async function* wholeLines(file: string): AsyncGenerator<{ data: Buffer; end: number }> {
  if (file.endsWith('.gz')) {
    yield* streamedLines(file);
    return;
  }
  const handle = await open(file, 'r');
  try {
    let buffer = Buffer.alloc(CHUNK_BYTES);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        // A line longer than the buffer: room for more of it.
        const bigger = Buffer.alloc(buffer.length * 2);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      const end = buffer.lastIndexOf(10, filled - 1) + 1;
      if (end === 0) continue;
      yield { data: buffer, end };
      buffer.copyWithin(0, end, filled);
      filled -= end;
    }
    if (filled > 0) yield { data: Buffer.concat([buffer.subarray(0, filled), NEWLINE]), end: filled + 1 };
  } finally {
    await handle.close();
  }
}

/** The same from a stream (gzip): the part line at a chunk's end joins the next chunk. */
async function* streamedLines(file: string): AsyncGenerator<{ data: Buffer; end: number }> {
  let carry: Buffer | undefined;
  const stream = openTraceFile(file);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      const end = data.lastIndexOf(10) + 1;
      if (end === 0) {
        carry = data;
        continue;
      }
      yield { data, end };
      carry = end < data.length ? data.subarray(end) : undefined;
    }
    if (carry && carry.length > 0) yield { data: Buffer.concat([carry, NEWLINE]), end: carry.length + 1 };
  } finally {
    stream.destroy();
  }
}
