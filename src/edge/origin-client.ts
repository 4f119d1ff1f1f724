import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { combinedOrThrow } from '../http/header-fields.ts';
import { continueTolerantConnector } from '../net/continue-tolerant-connector.ts';
import { simulateDelay } from '../net/delay.ts';
import type { InterimResponse } from '../http/interim-responses.ts';
import type { CacheStatus } from './metrics.ts';
import { toS3Request, type S3OriginFront } from './s3-origin.ts';

export interface OriginClientOptions {
  originUrl: string;
  /** Simulated edge-to-origin round trip, from the network model. */
  roundTripMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** The origin is an S3 bucket: every fetch becomes that bucket's GetObject, signed when it has a signer. */
  s3?: S3OriginFront;
}

export interface OriginRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Readable;
  /** Receives the origin's interim (1xx) responses before the final one. */
  onInterim?: (interim: InterimResponse) => void;
}

export interface OriginResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** The body as it arrives; the caller must consume or destroy it. */
  body: Readable;
  /** Time to response headers including the simulated delay, in ms. */
  headersMs: number;
  simulatedMs: number;
  /** Not from the origin: an origin-request function's generated response, with its X-Cache name. */
  generated?: CacheStatus;
}

/** The edge's one keep-alive connection pool to its origin, with a timeout on every phase. */
export class OriginClient {
  readonly #pool: Pool;
  readonly #roundTripMs: number;
  readonly #originUrl: string;
  readonly #s3: S3OriginFront | undefined;

  constructor(options: OriginClientOptions) {
    this.#roundTripMs = options.roundTripMs;
    this.#originUrl = options.originUrl;
    this.#s3 = options.s3;
    this.#pool = new Pool(options.originUrl, {
      connect: continueTolerantConnector({ timeout: options.connectTimeoutMs }),
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  async fetch(viewerRequest: OriginRequest): Promise<OriginResponse> {
    const started = performance.now();
    await simulateDelay(this.#roundTripMs);
    // Signed after the delay, so that the signature's time is the request's.
    const request = this.#s3 ? await toS3Request(this.#s3, this.#originUrl, viewerRequest) : viewerRequest;
    const response = await this.#pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
      onInfo: request.onInterim,
    });
    let headers: Record<string, string | string[]>;
    try {
      headers = combinedOrThrow(response.headers);
    } catch (error) {
      discardBody(response.body);
      throw error;
    }
    // Every way of leaving a body unread (destroy, resume) can emit 'error' (undici reports its own
    // destroy as RequestAbortedError); with no listener that would take the whole process down.
    // Readers that care (for await) still see the error through the iterator.
    response.body.on('error', ignoreBodyError);
    return {
      status: response.statusCode,
      headers,
      body: response.body,
      headersMs: performance.now() - started,
      simulatedMs: this.#roundTripMs,
    };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function ignoreBodyError(): void {
  // Deliberately empty: see fetch(). The code reading the body decides what the error means.
}

/** Drops a body nobody will read, closing its connection rather than downloading it. */
export function discardBody(body: Readable): void {
  body.on('error', ignoreBodyError);
  body.destroy();
}

/** Reads a body to its end and throws it away, keeping the connection for reuse (small bodies: 304, errors). */
export function drainBody(body: Readable): void {
  body.on('error', ignoreBodyError);
  body.resume();
}
