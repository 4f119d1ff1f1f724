/**
 * A handler's return value, checked and turned into the neutral InvocationResult: on
 * viewer-request, an object with `statusCode` is a response generated at the edge and anything
 * else must be the (possibly modified) request; on viewer-response it must be the response, whose
 * body the function cannot touch (it never sees the origin's). A generated response counts its
 * headers and body against CloudFront's 40 KB.
 */
import type { FunctionHeaders, FunctionRequest, FunctionResponse, Invocation, InvocationResult } from '../types.ts';
import { GENERATED_RESPONSE_MAX_BYTES } from './limits.ts';
import { describe, foldCookies, foldHeaders, foldQuerystring, foldSetCookies, InvalidResult, isObject, objectAt } from './fold.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
const URI = /^\/[^\s\x00-\x1f\x7f#?]*$/;

/** CloudFront refuses a returned object with any other field ("the request object has an unexpected field"). */
const REQUEST_FIELDS = new Set(['method', 'uri', 'querystring', 'headers', 'cookies']);
const RESPONSE_FIELDS = new Set(['statusCode', 'statusDescription', 'headers', 'cookies', 'body']);

function refuseUnexpectedFields(returned: Record<string, unknown>, allowed: ReadonlySet<string>, what: string): void {
  const unexpected = Object.keys(returned).filter((name) => !allowed.has(name));
  if (unexpected.length > 0) {
    throw new InvalidResult(`the ${what} object has unexpected field${unexpected.length > 1 ? 's' : ''} ${unexpected.map((name) => JSON.stringify(name)).join(', ')} (allowed: ${[...allowed].join(', ')})`);
  }
}

export function invocationResultOf(invocation: Invocation, returned: unknown): InvocationResult {
  try {
    return fold(invocation, returned);
  } catch (error) {
    if (error instanceof InvalidResult) return { kind: 'failure', reason: 'invalid-result', message: error.message };
    throw error;
  }
}

function fold(invocation: Invocation, returned: unknown): InvocationResult {
  if (!isObject(returned)) {
    throw new InvalidResult(`the handler returned ${returned === undefined ? 'undefined' : describe(returned)}, not a request or response object`);
  }
  if (invocation.trigger === 'viewer-response') {
    if (!('statusCode' in returned)) throw new InvalidResult('a viewer-response function must return the response (an object with statusCode)');
    if ('body' in returned && returned['body'] !== undefined) {
      throw new InvalidResult('response.body: a viewer-response function cannot set the body (it never sees the one it would replace)');
    }
    return { kind: 'response', response: foldResponse(returned, invocation.response.headers, invocation.response.statusDescription) };
  }
  if ('statusCode' in returned) {
    const response = foldResponse(returned, {}, undefined);
    const bytes = generatedResponseBytes(response);
    if (bytes > GENERATED_RESPONSE_MAX_BYTES) {
      return { kind: 'failure', reason: 'size', message: `the generated response is ${bytes} bytes (headers and body), over CloudFront's ${GENERATED_RESPONSE_MAX_BYTES}` };
    }
    return { kind: 'response', response };
  }
  return { kind: 'request', request: foldRequest(returned, invocation.request) };
}

function foldRequest(returned: Record<string, unknown>, original: FunctionRequest): FunctionRequest {
  refuseUnexpectedFields(returned, REQUEST_FIELDS, 'request');
  const method = returned['method'];
  if (method !== undefined && method !== original.method) {
    throw new InvalidResult(`request.method is read-only (was ${JSON.stringify(original.method)}, returned ${describe(method)})`);
  }
  const uri = returned['uri'];
  if (typeof uri !== 'string' || !URI.test(uri)) {
    throw new InvalidResult(`request.uri must be a string that begins with '/' and has no whitespace, '?' or '#' (got ${describe(uri)})`);
  }
  const headers = foldHeaders(returned['headers'] ?? {}, 'request.headers', original.headers, 'cookie', 'request.cookies');
  const cookieLines = foldCookies(returned['cookies'] ?? {}, 'request.cookies', original.headers['cookie'] ?? []);
  if (cookieLines.length > 0) headers['cookie'] = cookieLines;
  const request: FunctionRequest = {
    method: original.method,
    uri,
    querystring: foldQuerystring(returned['querystring'] ?? {}, 'request.querystring', original.querystring),
    headers,
    clientIp: original.clientIp,
  };
  if (original.origin) request.origin = original.origin;
  return request;
}

function foldResponse(returned: Record<string, unknown>, originalHeaders: FunctionHeaders, originalDescription: string | undefined): FunctionResponse {
  refuseUnexpectedFields(returned, RESPONSE_FIELDS, 'response');
  const status = returned['statusCode'];
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new InvalidResult(`response.statusCode must be an integer from 200 to 599, not ${describe(status)}`);
  }
  const headers = foldHeaders(returned['headers'] ?? {}, 'response.headers', originalHeaders, 'set-cookie', 'response.cookies');
  const setCookies = foldSetCookies(returned['cookies'] ?? {}, 'response.cookies', originalHeaders['set-cookie'] ?? []);
  if (setCookies.length > 0) headers['set-cookie'] = setCookies;
  const response: FunctionResponse = { status, headers };
  const description = returned['statusDescription'] ?? originalDescription;
  if (description !== undefined) {
    if (typeof description !== 'string' || !REASON_PHRASE.test(description)) {
      throw new InvalidResult(`response.statusDescription must be a string without control characters, not ${describe(description)}`);
    }
    response.statusDescription = description;
  }
  if (returned['body'] !== undefined) Object.assign(response, bodyOf(returned['body']));
  return response;
}

function bodyOf(body: unknown): Pick<FunctionResponse, 'body' | 'bodyEncoding'> {
  if (typeof body === 'string') return { body };
  const { encoding, data } = objectAt(body, 'response.body');
  if (typeof data !== 'string') throw new InvalidResult(`response.body.data must be a string, not ${describe(data)}`);
  if (encoding === 'text') return { body: data };
  if (encoding === 'base64') {
    if (!BASE64.test(data)) throw new InvalidResult('response.body.data is not valid base64');
    return { body: data, bodyEncoding: 'base64' };
  }
  throw new InvalidResult(`response.body.encoding must be 'text' or 'base64', not ${describe(encoding)}`);
}

/** The bytes on the wire of each header line and of the body (decoded, for base64). */
function generatedResponseBytes(response: FunctionResponse): number {
  let bytes = 0;
  for (const [name, values] of Object.entries(response.headers)) {
    for (const value of values) bytes += Buffer.byteLength(`${name}: ${value}\r\n`, 'latin1');
  }
  if (response.body !== undefined) bytes += Buffer.byteLength(response.body, response.bodyEncoding === 'base64' ? 'base64' : 'utf8');
  return bytes;
}
