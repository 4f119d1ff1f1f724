import { randomUUID } from 'node:crypto';
import { fromLambdaHeaders } from './lambda-node/headers.ts';
import { TRIGGERS, type FunctionHeaders, type FunctionOrigin, type FunctionRequest, type FunctionResponse, type FunctionRuntime, type Invocation, type InvocationContext, type Trigger } from './types.ts';

/**
 * The reverse of the runtimes' event builders: an event written in a profile's own shape (what
 * `sam local invoke` or CloudFront's function test page take) read back into an Invocation, so
 * `cdnsim fn test --event` runs the function on exactly that event. Errors name the JSON path.
 */
export class EventInputError extends Error {
  override name = 'EventInputError';
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function objectAt(value: unknown, path: string): Json {
  if (!isObject(value)) throw new EventInputError(`${path} must be an object`);
  return value;
}

function stringAt(value: unknown, path: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string') throw new EventInputError(`${path} must be a string`);
  return value;
}

function statusAt(value: unknown, path: string): number {
  const status = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) throw new EventInputError(`${path} must be an HTTP status (100-599)`);
  return status;
}

/** The event's own trigger, which must agree with --trigger when both are given; viewer-request when neither says. */
function triggerOf(named: unknown, path: string, asked: Trigger | undefined): Trigger {
  if (named === undefined) return asked ?? 'viewer-request';
  if (typeof named !== 'string' || !(TRIGGERS as readonly string[]).includes(named)) throw new EventInputError(`${path} must be one of ${TRIGGERS.join(', ')}`);
  if (asked && named !== asked) throw new EventInputError(`${path} is ${named} but --trigger is ${asked}`);
  return named as Trigger;
}

/** `<edge>.cdnsim.test` names the edge, as the event builders write it; anything else stands for itself. */
function contextOf(domain: unknown, requestId: unknown): InvocationContext {
  const name = typeof domain === 'string' && domain !== '' ? domain : 'local.cdnsim.test';
  return { edgeId: name.replace(/\.cdnsim\.test$/, ''), requestId: typeof requestId === 'string' && requestId !== '' ? requestId : randomUUID() };
}

function invocationOf(trigger: Trigger, request: FunctionRequest, response: FunctionResponse | undefined, context: InvocationContext, responsePath: string): Invocation {
  if (trigger === 'viewer-request' || trigger === 'origin-request') return { trigger, request, context };
  if (!response) throw new EventInputError(`${responsePath} is required for a ${trigger} event`);
  return { trigger, request, response, context };
}

// --- CloudFront Functions: { version, context, viewer: { ip }, request, response } ---

/** CloudFront Functions' `{ name: { value, multiValue?: [{ value }] } }` (headers, query, cookies) as name -> values. */
function cloudFrontValues(raw: unknown, path: string): Array<[string, string[]]> {
  if (raw === undefined) return [];
  const entries: Array<[string, string[]]> = [];
  for (const [name, field] of Object.entries(objectAt(raw, path))) {
    const at = `${path}.${name}`;
    const entry = objectAt(field, at);
    const list = entry.multiValue === undefined ? [entry] : entry.multiValue;
    if (!Array.isArray(list)) throw new EventInputError(`${at}.multiValue must be a list of { value }`);
    entries.push([name, list.map((item, index) => stringAt(objectAt(item, `${at}.multiValue[${index}]`).value, `${at}.multiValue[${index}].value`))]);
  }
  return entries;
}

function cloudFrontHeaders(raw: unknown, path: string): FunctionHeaders {
  const headers: FunctionHeaders = {};
  for (const [name, values] of cloudFrontValues(raw, path)) {
    if (name !== name.toLowerCase()) throw new EventInputError(`${path}.${name}: header names are lowercase in a CloudFront Functions event`);
    headers[name] = values;
  }
  return headers;
}

function cloudFrontQuery(raw: unknown, path: string): string {
  return cloudFrontValues(raw, path)
    .flatMap(([name, values]) => values.map((value) => (value === '' ? name : `${name}=${value}`)))
    .join('&');
}

/** CloudFront Functions lifts cookies out of the headers; put back, they are one Cookie header again. */
function withRequestCookies(headers: FunctionHeaders, raw: unknown, path: string): FunctionHeaders {
  const pairs = cloudFrontValues(raw, path).flatMap(([name, values]) => values.map((value) => `${name}=${value}`));
  if (pairs.length === 0) return headers;
  const cookie = [...(headers.cookie ?? []), pairs.join('; ')].join('; ');
  return { ...headers, cookie: [cookie] };
}

/** Response cookies carry their attributes: each becomes a Set-Cookie line. */
function withResponseCookies(headers: FunctionHeaders, raw: unknown, path: string): FunctionHeaders {
  if (raw === undefined) return headers;
  const lines: string[] = [];
  for (const [name, field] of Object.entries(objectAt(raw, path))) {
    const entry = objectAt(field, `${path}.${name}`);
    const list = Array.isArray(entry.multiValue) ? entry.multiValue : [entry];
    list.forEach((item, index) => {
      const at = `${path}.${name}${entry.multiValue ? `.multiValue[${index}]` : ''}`;
      const cookie = objectAt(item, at);
      const value = stringAt(cookie.value, `${at}.value`);
      const attributes = stringAt(cookie.attributes, `${at}.attributes`, '');
      lines.push(attributes ? `${name}=${value}; ${attributes}` : `${name}=${value}`);
    });
  }
  return lines.length === 0 ? headers : { ...headers, 'set-cookie': [...(headers['set-cookie'] ?? []), ...lines] };
}

function cloudFrontInvocation(event: Json, asked: Trigger | undefined): Invocation {
  const context = event.context === undefined ? {} : objectAt(event.context, 'context');
  const trigger = triggerOf(context.eventType, 'context.eventType', asked);
  const viewer = event.viewer === undefined ? {} : objectAt(event.viewer, 'viewer');
  const raw = objectAt(event.request, 'request');
  const request: FunctionRequest = {
    method: stringAt(raw.method, 'request.method', 'GET'),
    uri: stringAt(raw.uri, 'request.uri'),
    querystring: cloudFrontQuery(raw.querystring, 'request.querystring'),
    headers: withRequestCookies(cloudFrontHeaders(raw.headers, 'request.headers'), raw.cookies, 'request.cookies'),
    clientIp: stringAt(viewer.ip, 'viewer.ip', '127.0.0.1'),
  };
  let response: FunctionResponse | undefined;
  if (event.response !== undefined && (trigger === 'viewer-response' || trigger === 'origin-response')) {
    const out = objectAt(event.response, 'response');
    response = {
      status: statusAt(out.statusCode, 'response.statusCode'),
      statusDescription: out.statusDescription === undefined ? undefined : stringAt(out.statusDescription, 'response.statusDescription'),
      headers: withResponseCookies(cloudFrontHeaders(out.headers, 'response.headers'), out.cookies, 'response.cookies'),
    };
  }
  return invocationOf(trigger, request, response, contextOf(context.distributionDomainName, context.requestId), 'response');
}

// --- Lambda@Edge: { Records: [{ cf: { config, request, response? } }] } ---

function lambdaHeaders(raw: unknown, path: string): FunctionHeaders {
  const headers = fromLambdaHeaders(raw, path);
  if (typeof headers === 'string') throw new EventInputError(headers);
  return headers;
}

function lambdaOrigin(raw: unknown): FunctionOrigin | undefined {
  if (raw === undefined) return undefined;
  const custom = objectAt(objectAt(raw, 'Records[0].cf.request.origin').custom, 'Records[0].cf.request.origin.custom');
  const at = 'Records[0].cf.request.origin.custom';
  const protocol = stringAt(custom.protocol, `${at}.protocol`, 'http');
  if (protocol !== 'http' && protocol !== 'https') throw new EventInputError(`${at}.protocol must be http or https`);
  const port = custom.port ?? (protocol === 'https' ? 443 : 80);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new EventInputError(`${at}.port must be a port number`);
  return { domainName: stringAt(custom.domainName, `${at}.domainName`), port, protocol, path: stringAt(custom.path, `${at}.path`, '') };
}

function lambdaInvocation(event: Json, asked: Trigger | undefined): Invocation {
  if (!Array.isArray(event.Records) || event.Records.length === 0) throw new EventInputError('Records must be a list with one record');
  const cf = objectAt(objectAt(event.Records[0], 'Records[0]').cf, 'Records[0].cf');
  const config = cf.config === undefined ? {} : objectAt(cf.config, 'Records[0].cf.config');
  const trigger = triggerOf(config.eventType, 'Records[0].cf.config.eventType', asked);
  const raw = objectAt(cf.request, 'Records[0].cf.request');
  const request: FunctionRequest = {
    method: stringAt(raw.method, 'Records[0].cf.request.method', 'GET'),
    uri: stringAt(raw.uri, 'Records[0].cf.request.uri'),
    querystring: stringAt(raw.querystring, 'Records[0].cf.request.querystring', ''),
    headers: lambdaHeaders(raw.headers, 'Records[0].cf.request.headers'),
    clientIp: stringAt(raw.clientIp, 'Records[0].cf.request.clientIp', '127.0.0.1'),
  };
  const origin = lambdaOrigin(raw.origin);
  if (origin) request.origin = origin;
  let response: FunctionResponse | undefined;
  if (cf.response !== undefined && (trigger === 'viewer-response' || trigger === 'origin-response')) {
    const out = objectAt(cf.response, 'Records[0].cf.response');
    response = {
      status: statusAt(out.status, 'Records[0].cf.response.status'),
      statusDescription: out.statusDescription === undefined ? undefined : stringAt(out.statusDescription, 'Records[0].cf.response.statusDescription'),
      headers: lambdaHeaders(out.headers, 'Records[0].cf.response.headers'),
    };
  }
  return invocationOf(trigger, request, response, contextOf(config.distributionDomainName, config.requestId), 'Records[0].cf.response');
}

/**
 * An event in `runtime`'s shape -> the Invocation the edge would hand that runtime. `trigger`
 * (from the command line) must agree with the event's own eventType when it names one.
 */
export function invocationFromEvent(runtime: FunctionRuntime, event: unknown, trigger?: Trigger): Invocation {
  const root = objectAt(event, 'the event');
  return runtime === 'cloudfront-js' ? cloudFrontInvocation(root, trigger) : lambdaInvocation(root, trigger);
}
