import { STATUS_CODES } from 'node:http';
import { cookieFields, headerFields, querystringFields, setCookieFields } from './cloudfront-js/fields.ts';
import { lambdaEdgeEvent } from './lambda-node/event.ts';
import { toLambdaHeaders } from './lambda-node/headers.ts';
import type { FunctionRequest, FunctionResponse, FunctionRuntime, InvocationContext, Trigger } from './types.ts';

/**
 * A function's result written back in its profile's own shape, as the function would have
 * returned it: what `cdnsim fn test` prints, so that a person reads what they wrote. The fields
 * are written by the profiles' own event code, so the output reads as the function's input does.
 */
type Json = Record<string, unknown>;

function cloudFrontRequest(request: FunctionRequest): Json {
  return {
    method: request.method,
    uri: request.uri,
    querystring: querystringFields(request.querystring),
    headers: headerFields(request.headers, 'cookie'),
    cookies: cookieFields(request.headers['cookie'] ?? []),
  };
}

function cloudFrontResponse(response: FunctionResponse): Json {
  const out: Json = {
    statusCode: response.status,
    statusDescription: response.statusDescription ?? STATUS_CODES[response.status] ?? '',
    headers: headerFields(response.headers, 'set-cookie'),
    cookies: setCookieFields(response.headers['set-cookie'] ?? []),
  };
  if (response.body !== undefined) out.body = { encoding: response.bodyEncoding ?? 'text', data: response.body };
  return out;
}

const TEST_CONTEXT: InvocationContext = { edgeId: 'local', requestId: 'fn-test' };

/** Lambda@Edge's request as its event builder writes it, so both directions agree on every field. */
function lambdaRequest(trigger: Trigger, request: FunctionRequest): Json {
  const side = trigger === 'viewer-request' || trigger === 'viewer-response' ? 'viewer-request' : 'origin-request';
  return { ...lambdaEdgeEvent({ trigger: side, request, context: TEST_CONTEXT }).Records[0].cf.request };
}

function lambdaResponse(response: FunctionResponse): Json {
  const out: Json = {
    status: String(response.status),
    statusDescription: response.statusDescription ?? STATUS_CODES[response.status] ?? '',
    headers: toLambdaHeaders(response.headers),
  };
  if (response.body !== undefined) {
    out.body = response.body;
    out.bodyEncoding = response.bodyEncoding ?? 'text';
  }
  return out;
}

export function requestInProfileShape(runtime: FunctionRuntime, trigger: Trigger, request: FunctionRequest): Json {
  return runtime === 'cloudfront-js' ? cloudFrontRequest(request) : lambdaRequest(trigger, request);
}

export function responseInProfileShape(runtime: FunctionRuntime, response: FunctionResponse): Json {
  return runtime === 'cloudfront-js' ? cloudFrontResponse(response) : lambdaResponse(response);
}
