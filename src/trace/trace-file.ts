import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const CHUNK_BYTES = 1 << 20;

/** A trace file as a stream of chunks of about 1 MiB, gunzipped when its name ends in .gz. */
export function openTraceFile(file: string): Readable {
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  if (!file.endsWith('.gz')) return raw;
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  // pipe() does not pass a read error on; the reader would wait for ever.
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}
