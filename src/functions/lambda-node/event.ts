import { STATUS_CODES } from 'node:http';
import type { FunctionOrigin, FunctionRequest, FunctionResponse, Invocation, InvocationContext, Trigger } from '../types.ts';
import { toLambdaHeaders, type LambdaEdgeHeaders } from './headers.ts';

/**
 * The Lambda@Edge event, as CloudFront documents it ("Lambda@Edge event structure"). The shapes
 * are cdnsim's own, so that the runtime does not depend on a types package;
 * test/functions-event-types.test.ts checks them against @types/aws-lambda.
 */
export interface LambdaEdgeConfig {
  distributionDomainName: string;
  distributionId: string;
  eventType: Trigger;
  requestId: string;
}

export interface LambdaEdgeCustomOrigin {
  customHeaders: LambdaEdgeHeaders;
  domainName: string;
  keepaliveTimeout: number;
  path: string;
  port: number;
  protocol: 'http' | 'https';
  readTimeout: number;
  sslProtocols: string[];
}

export interface LambdaEdgeRequest {
  clientIp: string;
  headers: LambdaEdgeHeaders;
  method: string;
  querystring: string;
  uri: string;
  origin?: { custom: LambdaEdgeCustomOrigin };
}

export interface LambdaEdgeResponse {
  status: string;
  statusDescription: string;
  headers: LambdaEdgeHeaders;
}

export interface LambdaEdgeRequestEvent {
  Records: [{ cf: { config: LambdaEdgeConfig; request: LambdaEdgeRequest } }];
}

export interface LambdaEdgeResponseEvent {
  Records: [{ cf: { config: LambdaEdgeConfig; request: LambdaEdgeRequest; response: LambdaEdgeResponse } }];
}

export type LambdaEdgeEvent = LambdaEdgeRequestEvent | LambdaEdgeResponseEvent;

type RequestInvocation = Extract<Invocation, { trigger: 'viewer-request' | 'origin-request' }>;
type ResponseInvocation = Extract<Invocation, { trigger: 'origin-response' | 'viewer-response' }>;

/** CloudFront's distribution stands in as the edge: `<edge>.cdnsim.test`, id the edge's name in capitals. */
function config(trigger: Trigger, context: InvocationContext): LambdaEdgeConfig {
  return {
    distributionDomainName: `${context.edgeId}.cdnsim.test`,
    distributionId: context.edgeId.toUpperCase(),
    eventType: trigger,
    requestId: context.requestId,
  };
}

/** Without an origin from the edge, the request's own Host stands in (plain HTTP, as cdnsim's origins speak). */
function originOf(request: FunctionRequest): FunctionOrigin {
  if (request.origin) return request.origin;
  const host = request.headers['host']?.[0] ?? 'origin.cdnsim.test';
  const match = /^(.*?)(?::(\d+))?$/.exec(host);
  return { domainName: match?.[1] || host, port: match?.[2] ? Number(match[2]) : 80, protocol: 'http', path: '' };
}

function customOrigin(origin: FunctionOrigin): { custom: LambdaEdgeCustomOrigin } {
  return {
    custom: {
      customHeaders: {},
      domainName: origin.domainName,
      keepaliveTimeout: 5,
      path: origin.path,
      port: origin.port,
      protocol: origin.protocol,
      readTimeout: 30,
      sslProtocols: ['TLSv1.2'],
    },
  };
}

function lambdaRequest(trigger: Trigger, request: FunctionRequest): LambdaEdgeRequest {
  const out: LambdaEdgeRequest = {
    clientIp: request.clientIp,
    headers: toLambdaHeaders(request.headers),
    method: request.method,
    querystring: request.querystring,
    uri: request.uri,
  };
  if (trigger === 'origin-request' || trigger === 'origin-response') out.origin = customOrigin(originOf(request));
  return out;
}

function lambdaResponse(response: FunctionResponse): LambdaEdgeResponse {
  return {
    status: String(response.status),
    statusDescription: response.statusDescription ?? STATUS_CODES[response.status] ?? '',
    headers: toLambdaHeaders(response.headers),
  };
}

export function lambdaEdgeEvent(invocation: RequestInvocation): LambdaEdgeRequestEvent;
export function lambdaEdgeEvent(invocation: ResponseInvocation): LambdaEdgeResponseEvent;
export function lambdaEdgeEvent(invocation: Invocation): LambdaEdgeEvent;
export function lambdaEdgeEvent(invocation: Invocation): LambdaEdgeEvent {
  const cf = { config: config(invocation.trigger, invocation.context), request: lambdaRequest(invocation.trigger, invocation.request) };
  if (!('response' in invocation)) return { Records: [{ cf }] };
  return { Records: [{ cf: { ...cf, response: lambdaResponse(invocation.response) } }] };
}
