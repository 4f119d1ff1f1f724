import { open, type FileHandle } from 'node:fs/promises';

/**
 * The origin's one file format for a body with its description (stored objects and multipart
 * parts alike): the bytes, then the description as JSON, then the JSON's length in 4 bytes,
 * big-endian. Writing the description last lets a write stream and hash the body in one pass.
 */
const TRAILER_LENGTH_BYTES = 4;

/** Appends `value` as the file's trailer and fsyncs the file. */
export async function appendJsonTrailerAndSync(file: string, value: unknown): Promise<void> {
  const json = Buffer.from(JSON.stringify(value));
  const length = Buffer.alloc(TRAILER_LENGTH_BYTES);
  length.writeUInt32BE(json.length);
  const handle = await open(file, 'a');
  try {
    await handle.write(Buffer.concat([json, length]));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads the trailer of an open file (the caller knows what it describes). */
export async function readJsonTrailer<T>(handle: FileHandle): Promise<T> {
  const { size: fileSize } = await handle.stat();
  const length = Buffer.alloc(TRAILER_LENGTH_BYTES);
  await handle.read(length, 0, TRAILER_LENGTH_BYTES, fileSize - TRAILER_LENGTH_BYTES);
  const jsonLength = length.readUInt32BE();
  const json = Buffer.alloc(jsonLength);
  await handle.read(json, 0, jsonLength, fileSize - TRAILER_LENGTH_BYTES - jsonLength);
  return JSON.parse(json.toString()) as T;
}
