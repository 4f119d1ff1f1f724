import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool, errors, type Dispatcher } from 'undici';
import { endToEndHeaders } from '../net/hop-by-hop.ts';
import type { RoutedEdge } from './edge-table.ts';

export interface EdgePoolOptions {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export type ProxyOutcome =
  | { kind: 'answered'; status: number }
  /** Failed before any byte reached the client: safe to try another edge. */
  | { kind: 'failed-before-response'; error: unknown }
  | { kind: 'failed-mid-response'; error: unknown };

const DROPPED_REQUEST_HEADERS = new Set(['host']);

/** One keep-alive undici Pool per edge; responses stream straight into the client's socket. */
export class EdgeProxy {
  readonly #pools = new Map<RoutedEdge, Pool>();

  constructor(edges: readonly RoutedEdge[], options: EdgePoolOptions) {
    for (const edge of edges) {
      this.#pools.set(
        edge,
        new Pool(edge.url, {
          connect: { timeout: options.connectTimeoutMs },
          headersTimeout: options.headersTimeoutMs,
          bodyTimeout: options.bodyTimeoutMs,
          keepAliveTimeout: 30_000,
        }),
      );
    }
  }

  /**
   * Forwards `req` to `edge`. `decorate` adds the router's own response headers just before they
   * are written, so Server-Timing can include the whole router time.
   */
  async forward(
    edge: RoutedEdge,
    req: IncomingMessage,
    res: ServerResponse,
    decorate: (headers: Record<string, string | string[]>) => void,
  ): Promise<ProxyOutcome> {
    const pool = this.#pools.get(edge)!;
    const headers = endToEndHeaders(req.headers, DROPPED_REQUEST_HEADERS);
    const peer = req.socket.remoteAddress;
    if (peer) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // A bare dispatch handler: the edge's chunks go straight into the client's socket, with
    // backpressure, and no stream objects in between (the cheapest way through undici).
    return new Promise<ProxyOutcome>((resolve) => {
      let status = 0;
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(controller) {
          res.once('close', () => {
            if (!res.writableFinished) controller.abort(new Error('client went away'));
          });
        },
        onResponseStart(_controller, statusCode, headers) {
          status = statusCode;
          const out = endToEndHeaders(headers);
          decorate(out);
          res.writeHead(statusCode, out);
        },
        onResponseData(controller, chunk) {
          if (!res.write(chunk)) {
            controller.pause();
            res.once('drain', () => controller.resume());
          }
        },
        onResponseEnd() {
          res.end();
          resolve({ kind: 'answered', status });
        },
        onResponseError(_controller, error) {
          resolve(res.headersSent ? { kind: 'failed-mid-response', error } : { kind: 'failed-before-response', error });
        },
      };
      pool.dispatch({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body: hasBody ? req : undefined }, handler);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()));
  }
}

/** Refused or reset connections mean the edge process is gone, not merely slow. */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || error instanceof errors.SocketError;
}
