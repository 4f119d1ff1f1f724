import type { FunctionHeaders, FunctionOrigin, FunctionRequest, FunctionResponse } from '../../functions/types.ts';
import type { FetchThrough, SimulatedEdge } from './simulated-edge.ts';
import { failureAnswer, generatedXCache } from '../../functions/failures.ts';
import type { Ran, SimulatedFunctions } from './simulated-functions.ts';
import { normalizeTarget } from '../../http/normalize-target.ts';
import { originChangeProblem } from '../../functions/origin-change.ts';

/** One request as the edge served it: what the client got, and what it cost the origin. */
export interface FunctionServed {
  status: number;
  /** X-Cache, which is also the live edge's cache_status label. */
  cacheStatus: string;
  bytes: number;
  /** The origin was asked (a miss or a revalidation that no origin-request function answered). */
  originFetch: boolean;
  /** Body bytes the origin sent (0 for a 304). */
  originBytes: number;
}

export interface ViewerRequestInput {
  edgeId: string;
  /** Unique per request and the same on every run (from the request's index), for the invocations' context and their random seed. */
  requestId: string;
  /** The trace's time of the request, in ms since the epoch: the time every function of this request sees. */
  now: number;
  /** The request as the edge receives it from the router (path, CloudFront-Viewer-* and the bench's headers). */
  path: string;
  headers: FunctionHeaders;
  clientIp: string;
  /** Where origin-request functions see the request go. */
  origin: FunctionOrigin;
}

/**
 * One GET through an edge with functions, at the triggers CloudFront runs them, as the live edge
 * does (src/edge/function-hooks.ts, origin-hooks.ts): viewer-request on every request (it may
 * rewrite the cache key, or answer: then nothing else runs); origin-request and origin-response
 * only when the cache goes to the origin (an origin-request answer stands in for the origin's and
 * is stored per its Cache-Control, without origin-response); viewer-response on every answer below
 * 400 but a final one (a function's failure or a viewer-request answer). A response trigger sees
 * status and headers only, never a body.
 */
export async function serveWithFunctions(edge: SimulatedEdge, functions: SimulatedFunctions, input: ViewerRequestInput): Promise<FunctionServed> {
  const context = { edgeId: input.edgeId, requestId: input.requestId, now: input.now };
  let request = functionRequest(input.path, input.headers, input.clientIp);
  const viewer = await functions.run(input.edgeId, { trigger: 'viewer-request', request, context });
  let key = input.path;
  if (viewer) {
    if (viewer.result.kind !== 'request') return { ...answered(viewer), originFetch: false, originBytes: 0 };
    // The live edge normalises a rewritten target as it does a client's, so the key is the one a client asking for it directly gets.
    const target = normalizeTarget(pathOf(viewer.result.request));
    if (target === undefined || !target.startsWith('/')) {
      functions.unusable(input.edgeId, 'viewer-request', viewer);
      return { ...answered(unusable(viewer)), originFetch: false, originBytes: 0 };
    }
    key = target;
    request = viewer.result.request;
  }
  let originFetch = false;
  let originBytes = 0;
  const served = await edge.requestThrough(key, async (revalidation): Promise<FetchThrough> => {
    // The origin-request function sees the target the cache asks the origin for: the key.
    let outgoing: FunctionRequest = { ...request, ...splitTarget(key), origin: { ...input.origin } };
    const originRequest = await functions.run(input.edgeId, { trigger: 'origin-request', request: outgoing, context });
    if (originRequest) {
      const { result } = originRequest;
      if (result.kind === 'failure') return answered(originRequest);
      if (result.kind === 'response') {
        const generated = answered(originRequest);
        return { kind: 'origin', answer: { status: result.response.status, headers: flatHeaders(result.response.headers), bytes: generated.bytes }, generated: generated.cacheStatus };
      }
      if (originChangeProblem(input.origin, result.request.origin)) {
        functions.unusable(input.edgeId, 'origin-request', originRequest);
        return answered(unusable(originRequest));
      }
      outgoing = result.request;
    }
    originFetch = true;
    let answer = edge.originAnswer(`${outgoing.origin?.path ?? ''}${pathOf(outgoing)}`, !revalidation);
    if (!revalidation) originBytes = answer.bytes;
    const response: FunctionResponse = { status: answer.status, headers: functionHeaders(answer.headers) };
    const originResponse = await functions.run(input.edgeId, { trigger: 'origin-response', request: outgoing, response, context });
    if (originResponse) {
      if (originResponse.result.kind !== 'response') return answered(originResponse);
      const changed = originResponse.result.response;
      // A body replaces the origin's response, body and all.
      const bytes = changed.body === undefined ? answer.bytes : bodyBytes(changed);
      answer = { status: changed.status, headers: flatHeaders(changed.headers), bytes };
    }
    return { kind: 'origin', answer };
  });
  if (served.kind === 'answered') return { ...served, originFetch, originBytes };
  const delivered: FunctionServed = { status: served.status, cacheStatus: served.cacheStatus, bytes: served.bytes, originFetch, originBytes };
  // CloudFront invokes no viewer-response function on a status of 400 or more.
  if (served.status >= 400) return delivered;
  const viewerResponse = await functions.run(input.edgeId, {
    trigger: 'viewer-response',
    request,
    response: { status: served.status, headers: { 'x-cache': [served.cacheStatus], 'content-length': [String(served.bytes)] } },
    context,
  });
  if (!viewerResponse) return delivered;
  const { result, spec } = viewerResponse;
  if (result.kind !== 'response') return { ...answered(viewerResponse), originFetch, originBytes };
  // Lambda@Edge viewer-response functions cannot change the status; CloudFront Functions can.
  if (spec.runtime === 'cloudfront-js') delivered.status = result.response.status;
  return delivered;
}

/** A function's answer or failure as the edge delivers it instead of the cache's. */
function answered({ spec, result }: Ran): { kind: 'answered'; status: number; cacheStatus: string; bytes: number } {
  if (result.kind === 'response') return { kind: 'answered', status: result.response.status, cacheStatus: generatedXCache(spec.runtime), bytes: bodyBytes(result.response) };
  // A request where a response is due is a result the edge cannot use, as the live edge counts it.
  const failure = failureAnswer(spec.runtime, result.kind === 'failure' ? result.reason : 'invalid-result');
  return { kind: 'answered', status: failure.status, cacheStatus: failure.xCache, bytes: 0 };
}

/** A result the edge cannot apply, as the failure it answers with. */
function unusable({ spec }: Ran): Ran {
  return { spec, result: { kind: 'failure', reason: 'invalid-result', message: 'the edge could not apply the result' } };
}

function bodyBytes({ body, bodyEncoding }: FunctionResponse): number {
  return body === undefined ? 0 : Buffer.byteLength(body, bodyEncoding === 'base64' ? 'base64' : 'utf8');
}

function functionRequest(path: string, headers: FunctionHeaders, clientIp: string): FunctionRequest {
  return { method: 'GET', ...splitTarget(path), headers, clientIp };
}

function splitTarget(target: string): Pick<FunctionRequest, 'uri' | 'querystring'> {
  const queryAt = target.indexOf('?');
  return queryAt === -1 ? { uri: target, querystring: '' } : { uri: target.slice(0, queryAt), querystring: target.slice(queryAt + 1) };
}

/** The request target a (possibly rewritten) function request names: the cache key, or what the origin is asked for. */
export function pathOf(request: Pick<FunctionRequest, 'uri' | 'querystring'>): string {
  return request.querystring === '' ? request.uri : `${request.uri}?${request.querystring}`;
}

function functionHeaders(headers: Record<string, string>): FunctionHeaders {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]]));
}

/** Repeated fields joined as one line, which is how the cache reads them. */
function flatHeaders(headers: FunctionHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, values]) => [name.toLowerCase(), values.join(', ')]));
}
