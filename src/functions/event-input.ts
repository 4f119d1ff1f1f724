import { randomUUID } from 'node:crypto';
import { InvalidResult, foldCookies, foldHeaders, foldQuerystring, foldSetCookies } from './cloudfront-js/fold.ts';
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

/** H1's folds read a function's returned fields; an event's fields are the same objects with nothing to compare against. */
function folded<T>(fold: () => T): T {
  try {
    return fold();
  } catch (error) {
    if (error instanceof InvalidResult) throw new EventInputError(error.message);
    throw error;
  }
}

/** CloudFront Functions carries cookies apart from the headers; put back, they are header lines again. */
function withCookies(headers: FunctionHeaders, name: 'cookie' | 'set-cookie', lines: string[]): FunctionHeaders {
  return lines.length === 0 ? headers : { ...headers, [name]: lines };
}

function cloudFrontInvocation(event: Json, asked: Trigger | undefined): Invocation {
  const context = event.context === undefined ? {} : objectAt(event.context, 'context');
  const trigger = triggerOf(context.eventType, 'context.eventType', asked);
  const viewer = event.viewer === undefined ? {} : objectAt(event.viewer, 'viewer');
  const raw = objectAt(event.request, 'request');
  const request: FunctionRequest = {
    method: stringAt(raw.method, 'request.method', 'GET'),
    uri: stringAt(raw.uri, 'request.uri'),
    querystring: folded(() => foldQuerystring(raw.querystring ?? {}, 'request.querystring', '')),
    headers: withCookies(
      folded(() => foldHeaders(raw.headers ?? {}, 'request.headers', {}, 'cookie', 'request.cookies')),
      'cookie',
      folded(() => foldCookies(raw.cookies ?? {}, 'request.cookies', [])),
    ),
    clientIp: stringAt(viewer.ip, 'viewer.ip', '127.0.0.1'),
  };
  let response: FunctionResponse | undefined;
  if (event.response !== undefined && (trigger === 'viewer-response' || trigger === 'origin-response')) {
    const out = objectAt(event.response, 'response');
    response = {
      status: statusAt(out.statusCode, 'response.statusCode'),
      statusDescription: out.statusDescription === undefined ? undefined : stringAt(out.statusDescription, 'response.statusDescription'),
      headers: withCookies(
        folded(() => foldHeaders(out.headers ?? {}, 'response.headers', {}, 'set-cookie', 'response.cookies')),
        'set-cookie',
        folded(() => foldSetCookies(out.cookies ?? {}, 'response.cookies', [])),
      ),
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
