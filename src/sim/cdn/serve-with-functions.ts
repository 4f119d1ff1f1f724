import type { FunctionHeaders, FunctionOrigin, FunctionRequest, FunctionResponse } from '../../functions/types.ts';
import type { FetchThrough, SimulatedEdge } from './simulated-edge.ts';
import { failureAnswer, generatedCacheStatus } from './function-answers.ts';
import type { Ran, SimulatedFunctions } from './simulated-functions.ts';

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
  /** Unique per request, for the invocations' context. */
  requestId: string;
  /** The request as the edge receives it from the router (path, CloudFront-Viewer-* and the bench's headers). */
  path: string;
  headers: FunctionHeaders;
  clientIp: string;
  /** Where origin-request functions see the request go. */
  origin: FunctionOrigin;
}

/**
 * One GET through an edge with functions, at the triggers CloudFront runs them: viewer-request on
 * every request (it may rewrite the cache key or answer), origin-request and origin-response only
 * when the cache goes to the origin, viewer-response on every answer from cache or origin below
 * 400 (not on one a function generated or failed, as CloudFront skips it there). A response
 * trigger sees status and headers only, never a body.
 */
export async function serveWithFunctions(edge: SimulatedEdge, functions: SimulatedFunctions, input: ViewerRequestInput): Promise<FunctionServed> {
  const context = { edgeId: input.edgeId, requestId: input.requestId };
  let request = functionRequest(input.path, input.headers, input.clientIp);
  const viewer = await functions.run(input.edgeId, { trigger: 'viewer-request', request, context });
  if (viewer) {
    if (viewer.result.kind !== 'request') return answered(viewer);
    request = viewer.result.request;
  }
  let originFetch = false;
  let originBytes = 0;
  const served = await edge.requestThrough(pathOf(request), async (revalidation): Promise<FetchThrough> => {
    let outgoing: FunctionRequest = { ...request, origin: { ...input.origin } };
    const originRequest = await functions.run(input.edgeId, { trigger: 'origin-request', request: outgoing, context });
    if (originRequest) {
      if (originRequest.result.kind !== 'request') return answered(originRequest);
      outgoing = originRequest.result.request;
    }
    originFetch = true;
    let answer = edge.originAnswer(`${outgoing.origin?.path ?? ''}${pathOf(outgoing)}`, !revalidation);
    if (!revalidation) originBytes = answer.bytes;
    const response: FunctionResponse = { status: answer.status, headers: functionHeaders(answer.headers) };
    const originResponse = await functions.run(input.edgeId, { trigger: 'origin-response', request: outgoing, response, context });
    if (originResponse) {
      if (originResponse.result.kind !== 'response') return answered(originResponse);
      const changed = originResponse.result.response;
      answer = { status: changed.status, headers: flatHeaders(changed.headers), bytes: answer.bytes };
    }
    return { kind: 'origin', answer };
  });
  if (served.kind === 'answered') return { ...served, originFetch, originBytes };
  const delivered: FunctionServed = { status: 200, cacheStatus: served.status, bytes: served.bytes, originFetch, originBytes };
  const viewerResponse = await functions.run(input.edgeId, {
    trigger: 'viewer-response',
    request,
    response: { status: 200, headers: { 'x-cache': [served.status], 'content-length': [String(served.bytes)] } },
    context,
  });
  if (!viewerResponse) return delivered;
  if (viewerResponse.result.kind === 'failure') return { ...answered(viewerResponse), originFetch, originBytes };
  if (viewerResponse.result.kind === 'response') delivered.status = viewerResponse.result.response.status;
  return delivered;
}

/** A function's answer or failure as the edge delivers it instead of the cache's. */
function answered({ spec, result }: Ran): FunctionServed & { kind: 'answered' } {
  const base = { kind: 'answered' as const, originFetch: false, originBytes: 0 };
  if (result.kind === 'failure') {
    const failure = failureAnswer(spec.runtime, result.reason);
    return { ...base, status: failure.status, cacheStatus: failure.xCache, bytes: 0 };
  }
  if (result.kind === 'response') {
    const { body, bodyEncoding } = result.response;
    const bytes = body === undefined ? 0 : Buffer.byteLength(body, bodyEncoding === 'base64' ? 'base64' : 'utf8');
    return { ...base, status: result.response.status, cacheStatus: generatedCacheStatus(spec.runtime), bytes };
  }
  throw new Error(`function "${spec.id}": a request where a response was due (the runtime should have failed it as invalid-result)`);
}

function functionRequest(path: string, headers: FunctionHeaders, clientIp: string): FunctionRequest {
  const queryAt = path.indexOf('?');
  return {
    method: 'GET',
    uri: queryAt === -1 ? path : path.slice(0, queryAt),
    querystring: queryAt === -1 ? '' : path.slice(queryAt + 1),
    headers,
    clientIp,
  };
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
