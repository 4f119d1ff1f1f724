import { endToEndHeaders } from '../net/hop-by-hop.ts';
import type { OriginTiming, Outcome } from './cache-status.ts';
import type { DeferredHead } from './deferred-head.ts';
import { deliverFailure, openStream, type ClientExchange } from './deliver.ts';
import type { FetchContext } from './fetch-plan.ts';
import { discardBody, drainBody, type OriginResponse } from './origin-client.ts';

/** Sends an origin response that will not be stored, streaming with backpressure. */
export async function streamThrough(
  ctx: FetchContext,
  client: ClientExchange,
  response: OriginResponse,
  outcome: Outcome,
): Promise<void> {
  const head = await openStream(ctx, client, response.status, endToEndHeaders(response.headers), { ...outcome, origin: timingOf(response) });
  let bytes = 0;
  try {
    if (client.req.method === 'HEAD') {
      head.end();
      drainBody(response.body);
    } else {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        if (!response.generated) ctx.metrics.countOriginBytes(chunk.length);
        if (client.res.destroyed || head.replaced) {
          discardBody(response.body);
          break;
        }
        bytes += chunk.length;
        if (!head.write(chunk)) await drainOrClose(client.res);
      }
    }
    head.end();
  } catch (error) {
    cutOrFail(ctx, client, head, error);
    return;
  }
  if (!head.replaced) ctx.metrics.observeRequest(outcome.status, (performance.now() - client.started) / 1000, bytes);
}

/**
 * The origin's body broke. Before any byte reached the client there is still a clean answer to
 * give (502 or 504); after, only closing the connection tells the client the body is incomplete.
 */
export function cutOrFail(ctx: FetchContext, client: ClientExchange, head: DeferredHead | undefined, error: unknown): void {
  if (head?.sent || client.res.headersSent) client.res.destroy();
  else deliverFailure(ctx, client, error);
}

/** The origin's timing, as Server-Timing reports it. */
export function timingOf(response: OriginResponse): OriginTiming {
  return { originMs: response.headersMs, simulatedMs: response.simulatedMs };
}


/**
 * Waits until the client can take more, or is gone. Both listeners go as soon as either fires:
 * a slow reader makes this wait thousands of times per response.
 */
export function drainOrClose(res: ClientExchange['res']): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
