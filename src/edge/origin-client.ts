import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { simulateDelay } from '../net/delay.ts';

export interface OriginClientOptions {
  originUrl: string;
  /** Simulated edge-to-origin round trip, from the network model. */
  roundTripMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Responses larger than this are streamed through, never buffered for storage. */
  maxObjectBytes: number;
}

export interface OriginRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Readable;
}

interface OriginResponseBase {
  status: number;
  headers: Record<string, string | string[]>;
  /** Wall time of the fetch including the simulated delay, in ms. */
  fetchMs: number;
  simulatedMs: number;
}

/** Either a whole body small enough to store, or a stream that must be passed on as it comes. */
export type OriginResponse = (OriginResponseBase & { body: Buffer }) | (OriginResponseBase & { stream: Readable });

export class OriginClient {
  readonly #pool: Pool;
  readonly #options: OriginClientOptions;

  constructor(options: OriginClientOptions) {
    this.#options = options;
    this.#pool = new Pool(options.originUrl, {
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /** Fetches a response, buffering it when it may be stored. */
  async fetch(request: OriginRequest, bufferable: boolean): Promise<OriginResponse> {
    const started = performance.now();
    await simulateDelay(this.#options.roundTripMs);
    const response = await this.#pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
    });
    const base = {
      status: response.statusCode,
      headers: normaliseHeaders(response.headers),
      simulatedMs: this.#options.roundTripMs,
    };
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (!bufferable || declared > this.#options.maxObjectBytes) {
      return { ...base, stream: response.body, fetchMs: performance.now() - started };
    }
    const chunks: Buffer[] = [];
    let length = 0;
    const iterator = response.body[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const chunk = next.value as Buffer;
      chunks.push(chunk);
      length += chunk.length;
      if (length > this.#options.maxObjectBytes) {
        // Larger than declared (or undeclared): give up storing and stream the rest after what we have.
        return { ...base, stream: Readable.from(concatStreams(chunks, iterator)), fetchMs: performance.now() - started };
      }
    }
    return { ...base, body: Buffer.concat(chunks, length), fetchMs: performance.now() - started };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

async function* concatStreams(head: Buffer[], rest: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  yield* head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value as Buffer;
  }
}

function normaliseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
