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
  #written = false;

  constructor(res: ServerResponse, status: number, headers: OutgoingHttpHeaders) {
    this.#res = res;
    this.#status = status;
    this.#headers = headers;
  }

  /** Whether any byte of this response may have reached the client. */
  get sent(): boolean {
    return this.#written;
  }

  /** Writes a body chunk (the head first, if still held); false when the client is not keeping up. */
  write(chunk: Buffer): boolean {
    this.#flush();
    return this.#res.write(chunk);
  }

  end(): void {
    this.#flush();
    this.#res.end();
  }

  #flush(): void {
    if (this.#written) return;
    this.#written = true;
    this.#res.writeHead(this.#status, this.#headers);
  }
}
