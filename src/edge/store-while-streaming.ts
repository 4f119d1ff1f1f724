import type CachePolicy from 'http-cache-semantics';
import type { Outcome } from './cache-status.ts';
import type { DeferredHead } from './deferred-head.ts';
import { deliverEntry, deliverFailure, openStream, type ClientExchange } from './deliver.ts';
import type { FetchContext, FetchOutcome, FetchPlan } from './fetch-plan.ts';
import { discardBody, type OriginResponse } from './origin-client.ts';
import { cutOrFail, drainOrClose, timingOf } from './stream-through.ts';

/** Reads the body once: every chunk goes to the client at once and into the buffer that gets stored. */
export async function storeWhileStreaming(
  ctx: FetchContext,
  plan: FetchPlan,
  response: OriginResponse,
  policy: CachePolicy,
  ttl: number,
): Promise<FetchOutcome> {
  const { client } = plan;
  // A range or conditional request is answered from the stored object once it is complete, when
  // the object is known to fit; otherwise the client gets the whole object streamed (always allowed).
  const declaredFits = Number(response.headers['content-length'] ?? NaN) <= ctx.maxObjectBytes;
  const streamToClient = client !== undefined && !(declaredFits && wantsPartialView(client));
  let bytesSent = 0;
  let head: DeferredHead | undefined;
  if (streamToClient) {
    const headers = policy.responseHeaders() as Record<string, string | string[]>;
    const length = response.headers['content-length'];
    if (length !== undefined) headers['content-length'] = length;
    head = await openStream(ctx, client, response.status, headers, { ...missOutcome(plan, response), ttl });
    // A HEAD has its whole answer now; the body is still read, for the cache.
    if (client.req.method === 'HEAD') head.end();
  }
  const sendBody = head !== undefined && client!.req.method !== 'HEAD';
  let chunks: Buffer[] | undefined = [];
  let length = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (!response.generated) ctx.metrics.countOriginBytes(chunk.length);
      if (chunks) {
        chunks.push(chunk);
        length += chunk.length;
        // Larger than it said (or it said nothing): stop keeping it, keep streaming it.
        if (length > ctx.maxObjectBytes) chunks = undefined;
      }
      if (sendBody && head && !client!.res.destroyed) {
        bytesSent += chunk.length;
        // While storing, the buffer is bounded by maxObjectBytes anyway; after that, respect backpressure.
        if (!head.write(chunk) && !chunks) await drainOrClose(client!.res);
      } else if (!chunks) {
        discardBody(response.body);
        break;
      }
    }
  } catch (error) {
    if (client) cutOrFail(ctx, client, head, error);
    return { ok: false, error };
  }
  const entry = chunks ? ctx.cache.store(plan.request, policy, response.status, Buffer.concat(chunks, length)) : undefined;
  if (head) {
    head.end();
    if (!head.replaced) ctx.metrics.observeRequest(response.generated ?? 'miss', (performance.now() - client!.started) / 1000, bytesSent);
  } else if (client) {
    if (entry) {
      deliverEntry(ctx, client, entry, { ...missOutcome(plan, response), ttl: ctx.cache.ttlOf(entry) });
    } else {
      // It said it would fit and did not, or the cache refused it: nothing whole is left to send.
      deliverFailure(ctx, client, new Error('response body did not match its declared length'));
    }
  }
  return { ok: true };
}

/** A stored miss; or, for an origin-request function's generated response, named as CloudFront names it. */
function missOutcome(plan: FetchPlan, response: OriginResponse): Outcome {
  const fwd = plan.stale ? 'stale' : 'miss';
  if (response.generated) return { status: response.generated, fwd, stored: true, detail: 'function-generated' };
  return { status: 'miss', fwd, fwdStatus: response.status, stored: true, origin: timingOf(response) };
}

function wantsPartialView(client: ClientExchange): boolean {
  const headers = client.req.headers;
  return (
    headers.range !== undefined ||
    headers['if-none-match'] !== undefined ||
    headers['if-modified-since'] !== undefined ||
    headers['if-match'] !== undefined ||
    headers['if-unmodified-since'] !== undefined
  );
}
