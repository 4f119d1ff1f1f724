import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A response head held back until the first body byte (or the end) is sent. Until then a broken
 * origin body can still be answered with a clean 502 instead of a connection closed on a client
 * that received nothing; after it, closing is the only way left to say the body is incomplete.
 * Node buffers a head written with writeHead, but it cannot be taken back once written.
 */
export class DeferredHead {
  readonly #res: ServerResponse;
  readonly #status: number;
  readonly #headers: OutgoingHttpHeaders;
  readonly #replacement: (() => void) | undefined;
  #written = false;

  constructor(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, replacement?: () => void) {
    this.#res = res;
    this.#status = status;
    this.#headers = headers;
    this.#replacement = replacement;
  }

  /**
   * A head a viewer-response hook replaced with an answer of its own: the body is still read
   * (the cache may store it) but none of it is sent; the answer goes out in its place.
   */
  static replacedBy(res: ServerResponse, send: () => void): DeferredHead {
    return new DeferredHead(res, 0, {}, send);
  }

  /** Whether another answer took this response's place (its request is counted there). */
  get replaced(): boolean {
    return this.#replacement !== undefined;
  }

  /** Whether any byte of this response may have reached the client. */
  get sent(): boolean {
    return this.#written;
  }

  /** Writes a body chunk (the head first, if still held); false when the client is not keeping up. */
  write(chunk: Buffer): boolean {
    this.#flush();
    return this.#replacement ? true : this.#res.write(chunk);
  }

  end(): void {
    this.#flush();
    if (!this.#replacement) this.#res.end();
  }

  #flush(): void {
    if (this.#written) return;
    this.#written = true;
    if (this.#replacement) this.#replacement();
    else this.#res.writeHead(this.#status, this.#headers);
  }
}
