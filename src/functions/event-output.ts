import { STATUS_CODES } from 'node:http';
import { lambdaEdgeEvent } from './lambda-node/event.ts';
import { toLambdaHeaders } from './lambda-node/headers.ts';
import type { FunctionHeaders, FunctionRequest, FunctionResponse, FunctionRuntime, InvocationContext, Trigger } from './types.ts';

/**
 * A function's result written back in its profile's own shape, as the function would have
 * returned it: what `cdnsim fn test` prints, so that a person reads what they wrote.
 */
type Json = Record<string, unknown>;

type CloudFrontField = { value: string; multiValue?: { value: string }[] };

function cloudFrontField(values: readonly string[]): CloudFrontField {
  return values.length === 1 ? { value: values[0]! } : { value: values[0] ?? '', multiValue: values.map((value) => ({ value })) };
}

function cloudFrontHeaders(headers: FunctionHeaders, lifted: string): Record<string, CloudFrontField> {
  const out: Record<string, CloudFrontField> = {};
  for (const [name, values] of Object.entries(headers)) if (name !== lifted) out[name] = cloudFrontField(values);
  return out;
}

function splitPair(text: string): [string, string] {
  const at = text.indexOf('=');
  return at === -1 ? [text.trim(), ''] : [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}

function grouped<T>(pairs: Array<[string, T]>): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const [name, value] of pairs) map.set(name, [...(map.get(name) ?? []), value]);
  return map;
}

function cloudFrontRequest(request: FunctionRequest): Json {
  const query = request.querystring === '' ? [] : request.querystring.split('&').map(splitPair);
  const cookies = (request.headers.cookie ?? []).flatMap((line) => line.split(';')).filter((part) => part.trim() !== '').map(splitPair);
  const fields = (pairs: Array<[string, string]>) => Object.fromEntries([...grouped(pairs)].map(([name, values]) => [name, cloudFrontField(values)]));
  return { method: request.method, uri: request.uri, querystring: fields(query), headers: cloudFrontHeaders(request.headers, 'cookie'), cookies: fields(cookies) };
}

function cloudFrontResponse(response: FunctionResponse): Json {
  const cookies = (response.headers['set-cookie'] ?? []).map((line): [string, { value: string; attributes: string }] => {
    const [pair, ...attributes] = line.split(';');
    const [name, value] = splitPair(pair ?? '');
    return [name, { value, attributes: attributes.map((part) => part.trim()).join('; ') }];
  });
  const out: Json = {
    statusCode: response.status,
    statusDescription: response.statusDescription ?? STATUS_CODES[response.status] ?? '',
    headers: cloudFrontHeaders(response.headers, 'set-cookie'),
    cookies: Object.fromEntries([...grouped(cookies)].map(([name, list]) => [name, list.length === 1 ? list[0]! : { ...list[0]!, multiValue: list }])),
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
