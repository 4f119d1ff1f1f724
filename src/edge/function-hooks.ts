import type { CacheRequest } from '../cache/http-cache.ts';
import { failureAnswer, generatedXCache } from '../functions/failures.ts';
import type { FailureReason, FunctionRequest, FunctionResponse, FunctionSpec, InvocationResult, Trigger } from '../functions/types.ts';
import type { InvocationOutcome, FunctionMetrics } from './function-metrics.ts';
import {
  applyOriginRequest,
  applyResponse,
  applyViewerRequest,
  clientIpOf,
  functionOriginOf,
  originFunctionRequest,
  toFunctionResponse,
  viewerFunctionRequest,
} from './function-messages.ts';
import type { EdgeFunctionSet } from './function-set.ts';
import type { EdgeHooks, HookAnswer, HookClient, HookResponseHead, OutgoingRequest } from './hooks.ts';
import { appendList } from './response-headers.ts';

export interface FunctionHooksOptions {
  edgeId: string;
  functions: EdgeFunctionSet;
  metrics: FunctionMetrics;
  /** Whether a peer may state the viewer's address (CloudFront-Viewer-Address): the router's. */
  trustedPeer: (address: string | undefined) => boolean;
  /** The edge's origin, shown to origin-request functions as `origin.custom` (its path is theirs to set). */
  originUrl?: string;
}

/**
 * The edge's hooks for its configured functions: each trigger that has a function gets a hook
 * (and only those: a trigger without one costs the request path nothing). A hook turns the
 * edge's request or response into the function's terms, runs it, and applies its result; a
 * failure becomes CloudFront's answer for it (failures.ts), for this request alone.
 */
export function functionHooks(options: FunctionHooksOptions): EdgeHooks {
  const { functions } = options;
  const run = invoker(options);
  const hooks: EdgeHooks = {};
  const origin = options.originUrl === undefined ? undefined : functionOriginOf(options.originUrl);
  if (functions.specFor('viewer-request')) {
    hooks.viewerRequest = async (request, client) => {
      const invocationRequest = viewerFunctionRequest(request, clientIpOf(client.req, options.trustedPeer));
      const call = await run('viewer-request', { request: invocationRequest }, client);
      const { result, spec } = call;
      if (result.kind === 'failure') return record(call, failed(options.edgeId, spec, 'viewer-request', result.reason));
      // CloudFront runs no viewer-response function on a response its viewer-request function generated.
      if (result.kind === 'response') return record(call, { ...generated(spec, result.response), final: true });
      const problem = applyViewerRequest(request, result.request);
      return record(call, problem ? invalid(options, spec, 'viewer-request', problem) : undefined);
    };
  }
  if (functions.specFor('origin-request')) {
    hooks.originRequest = async (outgoing, request, client) => {
      const invocationRequest = originFunctionRequest(outgoing, request.method, viewerIp(client, options), origin);
      const call = await run('origin-request', { request: invocationRequest }, client);
      const { result, spec } = call;
      if (result.kind === 'failure') return record(call, failed(options.edgeId, spec, 'origin-request', result.reason));
      // Not final: the edge treats it as the origin's response, stored per its Cache-Control (as CloudFront).
      if (result.kind === 'response') return record(call, generated(spec, result.response));
      const problem = applyOriginRequest(outgoing, result.request, origin);
      return record(call, problem ? invalid(options, spec, 'origin-request', problem) : undefined);
    };
  }
  if (functions.specFor('origin-response')) {
    hooks.originResponse = async (response, request, client) => {
      const call = await run('origin-response', responseInvocation(request, response, client, options), client);
      return record(call, applyResponseResult(options, call.spec, 'origin-response', response, call.result, false));
    };
  }
  if (functions.specFor('viewer-response')) {
    hooks.viewerResponse = async (response, request, client) => {
      // CloudFront invokes no viewer-response function when the origin's status is 400 or higher.
      if (response.status >= 400) return undefined;
      const call = await run('viewer-response', responseInvocation(request, response, client, options), undefined);
      // Lambda@Edge viewer-response functions cannot change the status (CloudFront's restrictions); CloudFront Functions can.
      const answer = applyResponseResult(options, call.spec, 'viewer-response', response, call.result, call.spec.runtime === 'lambda-node');
      // The Server-Timing header is already built when this runs: its member is added to it here.
      const head = answer ?? response;
      head.headers['server-timing'] = appendList(head.headers['server-timing'], timing('viewer-response', call.ms));
      return record(call, answer);
    };
  }
  return hooks;
}

/** One invocation's facts, counted in the metrics once its result has been applied (record). */
interface Call {
  trigger: Trigger;
  spec: FunctionSpec;
  result: InvocationResult;
  ms: number;
  metrics: FunctionMetrics;
}

type Run = (trigger: Trigger, input: { request: FunctionRequest; response?: FunctionResponse }, client: HookClient | undefined) => Promise<Call>;

/** Counts the invocation by what came of it: a result the edge could not apply counts as invalid-result, not ok. */
function record(call: Call, answer: HookAnswer | undefined): HookAnswer | undefined {
  const failure = answer?.detail?.startsWith('function-') && answer.detail !== 'function-generated' ? answer.detail.slice('function-'.length) : undefined;
  const outcome = (failure as InvocationOutcome | undefined) ?? outcomeOf(call.trigger, call.result);
  call.metrics.observeInvocation(call.spec.id, call.trigger, outcome, call.ms / 1000);
  return answer;
}

/** Runs a trigger's function and times it (Server-Timing for the client; the metrics count it in record). */
function invoker(options: FunctionHooksOptions): Run {
  let sequence = 0;
  return async (trigger, input, client) => {
    const spec = options.functions.specFor(trigger)!;
    const context = { edgeId: options.edgeId, requestId: `${options.edgeId}-${Date.now().toString(36)}-${(sequence++).toString(36)}` };
    const invocation =
      trigger === 'viewer-request' || trigger === 'origin-request'
        ? { trigger, request: input.request, context }
        : { trigger, request: input.request, response: input.response!, context };
    const started = performance.now();
    let result: InvocationResult;
    try {
      result = await options.functions.invoke(trigger, invocation);
    } catch (error) {
      result = { kind: 'failure', reason: 'error', message: (error as Error).message ?? String(error) };
    }
    const ms = performance.now() - started;
    if (client && trigger !== 'viewer-response') (client.timings ??= []).push(timing(trigger, ms));
    if (result.kind === 'failure') console.error(`edge ${options.edgeId}: function ${spec.id} (${trigger}) failed, ${result.reason}: ${result.message}`);
    return { trigger, spec, result, ms, metrics: options.metrics };
  };
}

function outcomeOf(trigger: Trigger, result: InvocationResult): InvocationOutcome {
  if (result.kind === 'failure') return result.reason;
  const requestTrigger = trigger === 'viewer-request' || trigger === 'origin-request';
  return requestTrigger && result.kind === 'response' ? 'generated' : 'ok';
}

function timing(trigger: Trigger, ms: number): string {
  return `fn-${trigger};dur=${ms.toFixed(3)}`;
}

function responseInvocation(request: CacheRequest, response: HookResponseHead, client: HookClient | undefined, options: FunctionHooksOptions) {
  return { request: viewerFunctionRequest(request, viewerIp(client, options)), response: toFunctionResponse(response) };
}

/** Background refreshes have no client: the address is then unknown, as the function sees it. */
function viewerIp(client: HookClient | undefined, options: FunctionHooksOptions): string {
  return client ? clientIpOf(client.req, options.trustedPeer) : '';
}

function applyResponseResult(
  options: FunctionHooksOptions,
  spec: FunctionSpec,
  trigger: 'origin-response' | 'viewer-response',
  head: HookResponseHead,
  result: InvocationResult,
  keepStatus: boolean,
): HookAnswer | undefined {
  if (result.kind === 'failure') return failed(options.edgeId, spec, trigger, result.reason);
  if (result.kind === 'request') return invalid(options, spec, trigger, 'a response trigger must return a response, not a request');
  // An origin-response function that sets a body replaces the origin's response (body and all); the cache stores that.
  if (trigger === 'origin-response' && result.response.body !== undefined) {
    return { status: result.response.status, headers: fromResult(result.response), body: result.response.body };
  }
  const problem = applyResponse(head, result.response, keepStatus);
  return problem ? invalid(options, spec, trigger, problem) : undefined;
}

function fromResult(response: FunctionResponse): Record<string, string | string[]> {
  const head: HookResponseHead = { status: response.status, headers: {} };
  applyResponse(head, response, false);
  return head.headers;
}

function generated(spec: FunctionSpec, response: FunctionResponse): HookAnswer {
  const head: HookResponseHead = { status: response.status, headers: {} };
  applyResponse(head, response, false);
  return { status: head.status, headers: head.headers, body: response.body ?? '', cacheStatus: generatedXCache(spec.runtime), detail: 'function-generated' };
}

/** A result the edge could not apply (the runtime checked its shape; this is what only the edge can check). */
function invalid(options: FunctionHooksOptions, spec: FunctionSpec, trigger: Trigger, problem: string): HookAnswer {
  console.error(`edge ${options.edgeId}: function ${spec.id} (${trigger}) returned an unusable result: ${problem}`);
  return failed(options.edgeId, spec, trigger, 'invalid-result');
}

const REASON_TEXT: Record<FailureReason, string> = {
  error: 'failed (it threw or could not run)',
  'invalid-result': 'returned a result CloudFront could not use',
  timeout: 'ran over its time limit',
  memory: 'ran over its memory limit',
  size: 'returned a response or request over its size limit',
};

/** CloudFront's answer to a failed function: 502 or 503, a short text body, X-Cache naming the failure. */
function failed(edgeId: string, spec: FunctionSpec, trigger: Trigger, reason: FailureReason): HookAnswer {
  const { status, xCache } = failureAnswer(spec.runtime, reason);
  const phrase = status === 502 ? 'Bad Gateway' : 'Service Unavailable';
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: `${phrase}: the ${trigger} function ${spec.id} ${REASON_TEXT[reason]} (${xCache}, edge ${edgeId})\n`,
    cacheStatus: xCache,
    detail: `function-${reason}`,
    final: true,
  };
}
