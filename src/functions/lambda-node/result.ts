import type { FunctionOrigin, FunctionRequest, FunctionResponse, Invocation, InvocationResult } from '../types.ts';
import { fromLambdaHeaders, generatedHeaderProblem, headerBytes, headerChangeProblem } from './headers.ts';
import { generatedResponseLimit } from './limits.ts';

/**
 * A Lambda@Edge function's result (already through JSON, as Lambda returns it) turned back into
 * cdnsim's terms, with the checks CloudFront makes before it uses one: a request trigger returns
 * the request or a response (one with `status`), a response trigger a response.
 */
export function parseLambdaResult(invocation: Invocation, raw: unknown): InvocationResult {
  const trigger = invocation.trigger;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const what = trigger === 'viewer-request' || trigger === 'origin-request' ? 'the request or a response' : 'the response';
    return invalid(`the function must return ${what} (an object), got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  }
  const result = raw as Record<string, unknown>;
  if (!('response' in invocation)) {
    return 'status' in result ? generatedResponse(invocation, result) : continuedRequest(invocation, result);
  }
  return changedResponse(invocation, result);
}

function invalid(message: string): InvocationResult {
  return { kind: 'failure', reason: 'invalid-result', message };
}

type RequestInvocation = Extract<Invocation, { trigger: 'viewer-request' | 'origin-request' }>;
type ResponseInvocation = Extract<Invocation, { trigger: 'origin-response' | 'viewer-response' }>;

function continuedRequest(invocation: RequestInvocation, result: Record<string, unknown>): InvocationResult {
  const before = invocation.request;
  const { uri, querystring, method, clientIp } = result;
  if (typeof uri !== 'string' || !uri.startsWith('/')) return invalid('request.uri must be a string that starts with "/"');
  if (/[\s\0]/.test(uri)) return invalid('request.uri holds whitespace or a control character');
  if (querystring !== undefined && typeof querystring !== 'string') return invalid('request.querystring must be a string');
  if (method !== undefined && method !== before.method) return invalid('request.method is read-only');
  if (clientIp !== undefined && clientIp !== before.clientIp) return invalid('request.clientIp is read-only');
  const headers = fromLambdaHeaders(result['headers'], 'request');
  if (typeof headers === 'string') return invalid(headers);
  const headerProblem = headerChangeProblem(invocation.trigger, before.headers, headers);
  if (headerProblem) return invalid(headerProblem);
  const request: FunctionRequest = { method: before.method, uri, querystring: (querystring as string | undefined) ?? '', headers, clientIp: before.clientIp };
  if (invocation.trigger === 'origin-request') {
    const origin = originFrom(result['origin']);
    if (typeof origin === 'string') return invalid(origin);
    if (origin) request.origin = origin;
  }
  return { kind: 'request', request };
}

/** `origin.custom` as a function may rewrite it; S3 origins mean nothing to cdnsim. */
function originFrom(raw: unknown): FunctionOrigin | undefined | string {
  if (raw === undefined) return undefined;
  const custom = (raw as { custom?: unknown } | null)?.custom;
  if (typeof custom !== 'object' || custom === null) return 'request.origin must be { custom: { domainName, port, protocol, path } } (cdnsim has no S3 origins)';
  const { domainName, port, protocol, path } = custom as Record<string, unknown>;
  if (typeof domainName !== 'string' || domainName === '') return 'request.origin.custom.domainName must be a host name';
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return 'request.origin.custom.port must be 1–65535';
  if (protocol !== 'http' && protocol !== 'https') return 'request.origin.custom.protocol must be "http" or "https"';
  if (typeof path !== 'string' || (path !== '' && (!path.startsWith('/') || path.endsWith('/')))) {
    return 'request.origin.custom.path must be "" or start with "/" and not end with one';
  }
  return { domainName, port, protocol, path };
}

function statusFrom(raw: unknown): number | string {
  const status = typeof raw === 'string' && /^\d{3}$/.test(raw) ? Number(raw) : raw;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    return `status must be an HTTP status code 200–599 (a string, as Lambda@Edge writes it), got ${JSON.stringify(raw)}`;
  }
  return status;
}

/** The fields every response result shares; the body checks are the caller's. */
function responseFrom(result: Record<string, unknown>): FunctionResponse | string {
  const status = statusFrom(result['status']);
  if (typeof status === 'string') return status;
  const statusDescription = result['statusDescription'];
  if (statusDescription !== undefined && typeof statusDescription !== 'string') return 'statusDescription must be a string';
  const headers = fromLambdaHeaders(result['headers'], 'response');
  if (typeof headers === 'string') return headers;
  const response: FunctionResponse = { status, headers };
  if (statusDescription !== undefined) response.statusDescription = statusDescription;
  return response;
}

/** Adds a result's body to `response`, or says why not: 'size' over the trigger's quota, else what is malformed. */
function withBody(invocation: Invocation, response: FunctionResponse, result: Record<string, unknown>): InvocationResult {
  const { body, bodyEncoding } = result;
  if (body !== undefined && typeof body !== 'string') return invalid('body must be a string');
  if (bodyEncoding !== undefined && bodyEncoding !== 'text' && bodyEncoding !== 'base64') return invalid('bodyEncoding must be "text" or "base64"');
  if (typeof body === 'string') {
    if (bodyEncoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return invalid('bodyEncoding is "base64" but the body is not base64');
    response.body = body;
    if (bodyEncoding === 'base64') response.bodyEncoding = 'base64';
  }
  const bytes = headerBytes(response.headers) + (typeof body === 'string' ? Buffer.byteLength(body) : 0);
  const limit = generatedResponseLimit(invocation.trigger);
  if (bytes > limit) return { kind: 'failure', reason: 'size', message: `the response is ${bytes} bytes (headers and body), over ${invocation.trigger}'s ${limit}` };
  return { kind: 'response', response };
}

function generatedResponse(invocation: RequestInvocation, result: Record<string, unknown>): InvocationResult {
  const response = responseFrom(result);
  if (typeof response === 'string') return invalid(response);
  const problem = generatedHeaderProblem(response.headers);
  if (problem) return invalid(problem);
  return withBody(invocation, response, result);
}

function changedResponse(invocation: ResponseInvocation, result: Record<string, unknown>): InvocationResult {
  const response = responseFrom(result);
  if (typeof response === 'string') return invalid(response);
  const before = invocation.response;
  if (invocation.trigger === 'viewer-response' && response.status !== before.status) {
    return invalid(`a viewer-response function may not change the status (${before.status} -> ${response.status})`);
  }
  const problem = headerChangeProblem(invocation.trigger, before.headers, response.headers);
  if (problem) return invalid(problem);
  return withBody(invocation, response, result);
}
