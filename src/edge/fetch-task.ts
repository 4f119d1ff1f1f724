import type { StandIn } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';
import { relayInterimTo } from '../http/interim-responses.ts';
import { classifyUpstreamError } from '../net/upstream-error.ts';
import { deliverEntry, deliverFailure, deliverHookAnswer, type ClientExchange } from './deliver.ts';
import type { HookAnswer } from './hooks.ts';
import type { FetchContext, FetchOutcome, FetchPlan } from './fetch-plan.ts';
import { forwardedHeaders, refreshHeaders, sharedFetchHeaders } from './forward-headers.ts';
import { discardBody, drainBody, type OriginResponse } from './origin-client.ts';
import { originRequestStep, originResponseStep } from './origin-hooks.ts';
import { storeWhileStreaming } from './store-while-streaming.ts';
import { streamThrough, timingOf } from './stream-through.ts';

/**
 * The fetch state, for the cache: revalidates a stale entry (304 refreshes it), stores a new
 * shareable response while streaming it to the client as it arrives, or passes an unshareable one
 * through. Never rejects: a failure is answered (stale-if-error, 502 or 504) and reported in the outcome.
 */
export async function fetchForCache(ctx: FetchContext, plan: FetchPlan): Promise<FetchOutcome> {
  const { client, stale } = plan;
  const allowed = sharedFetchHeaders(stale, ctx.originRequestHeaders);
  const headers = client ? forwardedHeaders(ctx.id, client.req, allowed) : refreshHeaders(ctx.id, plan.request.headers, allowed);
  const outgoing = { path: plan.request.url, headers: { ...headers, ...plan.validators } };
  if (ctx.hooks?.originRequest) {
    const step = await originRequestStep(ctx.hooks, outgoing, plan.request, client);
    if (step.do === 'answer') return answerInstead(ctx, plan, step.answer);
    if (step.response) return decideSafely(ctx, plan, step.response);
  }
  let response: OriginResponse;
  try {
    response = await ctx.origin.fetch({
      method: 'GET',
      path: outgoing.path,
      headers: outgoing.headers,
      onInterim: client ? relayInterimTo(client.res) : undefined,
    });
  } catch (error) {
    const failure = classifyUpstreamError(error);
    ctx.metrics.observeOriginFetch(failure === 'timeout' ? 'timeout' : 'error', 0);
    if (client) answerFailure(ctx, client, stale, error);
    return { ok: false, error };
  }
  ctx.metrics.observeOriginFetch(response.status, response.headersMs / 1000);
  return decideSafely(ctx, plan, response);
}

/**
 * A hook answered this client alone (a function failed): nothing is stored, and requests
 * collapsed onto this fetch go their own way (each meets the function itself).
 */
function answerInstead(ctx: FetchContext, plan: FetchPlan, answer: HookAnswer): FetchOutcome {
  plan.onNothingToStore?.();
  if (plan.client) deliverHookAnswer(ctx, plan.client, answer);
  return { ok: true };
}

async function decideSafely(ctx: FetchContext, plan: FetchPlan, response: OriginResponse): Promise<FetchOutcome> {
  const { client, stale } = plan;
  try {
    return await backendResponse(ctx, plan, response);
  } catch (error) {
    // A defect of ours, not the origin's: still answer (or cut) the client, free the connection,
    // and report the failure so that requests collapsed onto this fetch are released too.
    console.error(`edge ${ctx.id}: fetch of ${plan.request.url} failed:`, error);
    discardBody(response.body);
    if (client) {
      if (client.res.headersSent) client.res.destroy();
      else answerFailure(ctx, client, stale, error);
    }
    return { ok: false, error };
  }
}

/** The backend_response state: HttpCache decides (refreshed, stand-in, store, pass); this carries it out. */
async function backendResponse(ctx: FetchContext, plan: FetchPlan, fromOrigin: OriginResponse): Promise<FetchOutcome> {
  const { client, stale } = plan;
  const step = await originResponseStep(ctx.hooks, fromOrigin, plan.request, client);
  if (step.do === 'answer') return answerInstead(ctx, plan, step.answer);
  const response = step.response;
  const decision = ctx.cache.backendResponse(plan.request, response, stale, ctx.serveStaleOnOriginError);
  switch (decision.do) {
    case 'refreshed':
      drainBody(response.body);
      if (client) {
        deliverEntry(ctx, client, decision.entry, { status: 'revalidated', fwd: 'stale', fwdStatus: 304, ttl: decision.ttl, origin: timingOf(response) });
      }
      return { ok: true };
    case 'stand-in':
      drainBody(response.body);
      if (client) deliverStale(ctx, client, decision.entry, decision.why, decision.ttl);
      return { ok: true };
    case 'store':
      // Declared too large to store: it passes, as an unstorable one does.
      if (Number(response.headers['content-length'] ?? NaN) > ctx.maxObjectBytes) return passOn(ctx, plan, response);
      return storeWhileStreaming(ctx, plan, response, decision.policy, decision.ttl);
    case 'pass':
      return passOn(ctx, plan, response);
  }
}

async function passOn(ctx: FetchContext, plan: FetchPlan, response: OriginResponse): Promise<FetchOutcome> {
  plan.onNothingToStore?.();
  if (plan.client) await streamThrough(ctx, plan.client, response, { status: 'miss', fwd: plan.stale ? 'stale' : 'miss', fwdStatus: response.status });
  else discardBody(response.body);
  return { ok: true };
}

/** The origin gave no answer: the stale entry if it may stand in, else 502 or 504. */
export function answerFailure(ctx: FetchContext, client: ClientExchange, stale: StoredResponse | undefined, error: unknown): void {
  const why = stale ? ctx.cache.standIn(stale, ctx.serveStaleOnOriginError) : undefined;
  if (stale && why) deliverStale(ctx, client, stale, why, ctx.cache.ttlOf(stale));
  else deliverFailure(ctx, client, error);
}

function deliverStale(ctx: FetchContext, client: ClientExchange, stale: StoredResponse, why: StandIn, ttl: number): void {
  deliverEntry(ctx, client, stale, { status: 'stale', ttl, detail: why === 'stale-if-error' ? 'stale-if-error' : 'stale-on-origin-error' });
}

