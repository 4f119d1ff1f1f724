import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Pool, errors, type Dispatcher } from 'undici';
import { whenClientGone } from '../net/client-gone.ts';
import { InvalidResponseHeadError, combineFieldLines } from '../http/header-fields.ts';
import { relayInterimTo } from '../http/interim-responses.ts';
import { endToEndHeaders } from '../net/hop-by-hop.ts';
import type { RoutedEdge } from '../routing/edge-table.ts';
import { reapingConnector } from './unused-connection-reaper.ts';
import { dropClientViewerHeaders } from './viewer-headers.ts';

export interface EdgePoolOptions {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** A client that reads nothing of its response for this long is cut off, and the edge request with it. */
  clientSendTimeoutMs: number;
}

/**
 * Why a request failed through no fault of the edge's: the client went away, its request body
 * broke (malformed chunks, a hang-up mid-upload), it stopped reading, or it asked for something
 * undici refuses to send.
 */
export type ClientFault = 'gone' | 'body' | 'slow-read' | 'unsendable';

export type ProxyOutcome =
  | { kind: 'answered'; status: number }
  /** Failed before any byte reached the client: safe to try another edge. */
  | { kind: 'failed-before-response'; error: unknown }
  | { kind: 'failed-mid-response'; error: unknown }
  /** Never held against the edge. */
  | { kind: 'client-fault'; fault: ClientFault; error: unknown };

export interface EdgePoolStats {
  connected: number;
  pending: number;
  running: number;
}

const DROPPED_REQUEST_HEADERS = new Set(['host']);

/** Long enough for any connection undici opened for a request to have written it. */
const UNUSED_CONNECTION_MS = 1_000;

/** One keep-alive undici Pool per edge; responses stream straight into the client's socket. */
export class EdgeProxy {
  readonly #pools = new Map<RoutedEdge, Pool>();
  readonly #sendTimeoutMs: number;

  constructor(edges: readonly RoutedEdge[], options: EdgePoolOptions) {
    this.#sendTimeoutMs = options.clientSendTimeoutMs;
    for (const edge of edges) {
      this.#pools.set(
        edge,
        new Pool(edge.url, {
          connect: reapingConnector({ timeout: options.connectTimeoutMs }, UNUSED_CONNECTION_MS),
          headersTimeout: options.headersTimeoutMs,
          bodyTimeout: options.bodyTimeoutMs,
          keepAliveTimeout: 30_000,
        }),
      );
    }
  }

  /**
   * Forwards `req` to `edge`. `decorate` adds the router's own response headers just before they
   * are written, so Server-Timing can include the whole router time. `viewer` are the
   * CloudFront-Viewer-* headers the router vouches for; any the client sent are dropped.
   */
  async forward(
    edge: RoutedEdge,
    req: IncomingMessage,
    res: ServerResponse,
    decorate: (headers: Record<string, string | string[]>) => void,
    viewer: Readonly<Record<string, string>> = {},
  ): Promise<ProxyOutcome> {
    if (req.socket.destroyed) return { kind: 'client-fault', fault: 'gone', error: new Error('client went away') };
    const pool = this.#pools.get(edge)!;
    const headers = endToEndHeaders(req.headers, DROPPED_REQUEST_HEADERS);
    dropClientViewerHeaders(headers);
    Object.assign(headers, viewer);
    const peer = req.socket.remoteAddress;
    if (peer) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const sendTimeoutMs = this.#sendTimeoutMs;
    // A bare dispatch handler: the edge's chunks go straight into the client's socket, with
    // backpressure, and no stream objects in between (the cheapest way through undici).
    return new Promise<ProxyOutcome>((resolve) => {
      let status = 0;
      let fault: ClientFault | undefined;
      let stopWatching = () => {};
      let sendTimer: NodeJS.Timeout | undefined;
      const settle = (outcome: ProxyOutcome) => {
        stopWatching();
        clearTimeout(sendTimer);
        resolve(outcome);
      };
      const body = hasBody ? clientBody(req, () => (fault ??= 'body')) : undefined;
      const relayInterim = relayInterimTo(res);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(controller) {
          stopWatching = whenClientGone(req.socket, () => {
            fault ??= 'gone';
            controller.abort(new Error('client went away'));
          });
        },
        onResponseStart(controller, statusCode, headers) {
          // undici reports interim responses here too; the final one follows.
          if (statusCode < 200) return relayInterim({ statusCode, headers });
          const combined = combineFieldLines(headers);
          if (!combined.ok) return controller.abort(new InvalidResponseHeadError(`edge sent ${combined.problem}`));
          status = statusCode;
          const out = endToEndHeaders(combined.headers);
          decorate(out);
          res.writeHead(statusCode, out);
        },
        onResponseData(controller, chunk) {
          if (res.write(chunk)) return;
          controller.pause();
          sendTimer = setTimeout(() => {
            fault ??= 'slow-read';
            controller.abort(new Error(`client read nothing for ${sendTimeoutMs} ms`));
            res.destroy();
          }, sendTimeoutMs);
          res.once('drain', () => {
            clearTimeout(sendTimer);
            controller.resume();
          });
        },
        onResponseEnd() {
          res.end();
          settle({ kind: 'answered', status });
        },
        onResponseError(_controller, error) {
          const blame = fault ?? (isUnsendable(error) ? 'unsendable' : undefined);
          if (blame) settle({ kind: 'client-fault', fault: blame, error });
          else settle(res.headersSent ? { kind: 'failed-mid-response', error } : { kind: 'failed-before-response', error });
        },
      };
      pool.dispatch({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body }, handler);
    });
  }

  stats(edge: RoutedEdge): EdgePoolStats {
    const { connected, pending, running } = this.#pools.get(edge)!.stats;
    return { connected, pending, running };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()));
  }
}

/**
 * The client's request body as undici reads it, noting when the client's side breaks (a parse
 * error, a hang-up mid-upload), which is then not the edge's failure. An error undici raises
 * itself ends the generator through return(), not the catch, so it is never mistaken for one.
 */
function clientBody(req: IncomingMessage, onClientError: () => void): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of req) yield chunk as Buffer;
    } catch (error) {
      onClientError();
      throw error;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Requests undici will not send as asked: nothing an edge did. */
function isUnsendable(error: unknown): boolean {
  return (
    error instanceof errors.InvalidArgumentError ||
    error instanceof errors.NotSupportedError ||
    error instanceof errors.RequestContentLengthMismatchError
  );
}

/**
 * Nothing listens at the edge's address (refused, or no connection in time): the edge process is
 * gone, so it is taken out of routing at once. A connection that closes or resets before an
 * answer only counts as one failed check: an edge that is up but cut one exchange short (its
 * own upstream broke) must not lose its clients for it.
 */
export function isUnreachable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || error instanceof errors.ConnectTimeoutError;
}
