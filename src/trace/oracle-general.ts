import { emptyBatch, type TraceBatch } from './trace-batch.ts';
import { openTraceFile } from './trace-file.ts';
import { TraceFormatError } from './trace-request.ts';

/** libCacheSim oracleGeneral: 24-byte little-endian records (u32 time, u64 id, u32 size, i64 next access). */
const ORACLE_RECORD_BYTES = 24;
const TWO_32 = 2 ** 32;

export async function* readOracleGeneral(file: string, details: boolean): AsyncGenerator<TraceBatch> {
  let carry: Buffer = Buffer.alloc(0);
  let record = 0;
  const stream = openTraceFile(file);
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
