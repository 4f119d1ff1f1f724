import type { Readable } from 'node:stream';

/** What the origin serves, whether read from disk or generated: metadata plus a body by byte range. */
export interface ServableObject {
  /** Strong validator, quoted. */
  etag: string;
  /** Milliseconds since the epoch. */
  lastModified: number;
  contentType: string;
  cacheControl?: string;
  surrogateKey?: string;
  size: number;
  /** The body bytes from `start` to `end` inclusive. */
  openBody(start: number, end: number): Readable;
  /** The same bytes at once, when the object holds them in memory (no stream to set up). */
  bodyBytes?: ((start: number, end: number) => Buffer) | undefined;
  /** Releases what the object holds open (a file descriptor) when no body is sent. */
  release(): void;
}
