import type {
  CloudFrontFunctionsEvent,
  CloudFrontRequest,
  CloudFrontRequestEvent,
  CloudFrontRequestResult,
  CloudFrontResponseEvent,
  CloudFrontResponseResult,
  CloudFrontResultResponse,
} from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { cloudFrontFunctionsEvent } from '../src/functions/cloudfront-js/event.ts';
import { lambdaEdgeEvent } from '../src/functions/lambda-node/event.ts';
import { parseLambdaResult } from '../src/functions/lambda-node/result.ts';
import type { FunctionRequest, Invocation } from '../src/functions/types.ts';

/**
 * The event and result shapes against @types/aws-lambda: the type assertions are checked by
 * `tsc --noEmit` (the suite's first step), the runtime ones by vitest.
 */
const request: FunctionRequest = {
  method: 'GET',
  uri: '/index.html',
  querystring: 'v=1',
  headers: { host: ['edge.test'], cookie: ['ab=b'] },
  clientIp: '198.51.100.4',
};
const context = { edgeId: 'fra', requestId: 'r-42' };
const viewerRequest = { trigger: 'viewer-request', request, context } as const;
const originRequest = { trigger: 'origin-request', request: { ...request, origin: { domainName: 'origin.test', port: 80, protocol: 'http', path: '' } }, context } as const;
const response = { status: 200, headers: { 'content-type': ['text/html'] } };
const originResponse = { trigger: 'origin-response', request, response, context } as const;
const viewerResponse = { trigger: 'viewer-response', request, response, context } as const;

describe('Lambda@Edge events are @types/aws-lambda events', () => {
  it('request triggers give a CloudFrontRequestEvent', () => {
    const viewer = lambdaEdgeEvent(viewerRequest) satisfies CloudFrontRequestEvent;
    const origin: CloudFrontRequestEvent = lambdaEdgeEvent(originRequest);
    expectTypeOf(lambdaEdgeEvent(viewerRequest)).toExtend<CloudFrontRequestEvent>();
    expect(viewer.Records[0].cf.config.eventType).toBe('viewer-request');
    expect(origin.Records[0]?.cf.request.origin?.custom?.domainName).toBe('origin.test');
    expect(origin.Records[0]?.cf.request.headers['host']).toEqual([{ key: 'Host', value: 'edge.test' }]);
  });

  it('response triggers give a CloudFrontResponseEvent', () => {
    const origin = lambdaEdgeEvent(originResponse) satisfies CloudFrontResponseEvent;
    const viewer: CloudFrontResponseEvent = lambdaEdgeEvent(viewerResponse);
    expectTypeOf(lambdaEdgeEvent(viewerResponse)).toExtend<CloudFrontResponseEvent>();
    expect(origin.Records[0].cf.response).toEqual({ status: '200', statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/html' }] } });
    expect(viewer.Records[0]?.cf.config.eventType).toBe('viewer-response');
  });

  it("H1's cloudFrontFunctionsEvent gives a CloudFrontFunctionsEvent", () => {
    // H1 declares `response` optional (a viewer-request event has none to show), where the
    // package makes it required: everything else must agree, and so must a response when there is one.
    const request = cloudFrontFunctionsEvent(viewerRequest);
    const { response: _none, ...rest } = request;
    const withoutResponse: Omit<CloudFrontFunctionsEvent, 'response'> = rest;
    const event = cloudFrontFunctionsEvent(viewerResponse);
    const withResponse: CloudFrontFunctionsEvent = { ...event, response: event.response! };
    expect(withoutResponse.context.eventType).toBe('viewer-request');
    expect(withoutResponse.viewer.ip).toBe('198.51.100.4');
    expect(withResponse.response.statusCode).toBe(200);
  });
});

describe('results typed with @types/aws-lambda pass the lambda-node result parser', () => {
  // What a function returns goes through JSON on its way out of the worker, as here.
  const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

  it('a request returned from a request trigger continues', () => {
    const returned: CloudFrontRequest = lambdaEdgeEvent(viewerRequest).Records[0].cf.request;
    returned.uri = '/other.html';
    returned.headers['x-variant'] = [{ key: 'X-Variant', value: 'b' }];
    const result: CloudFrontRequestResult = returned;
    expect(parseLambdaResult(viewerRequest, roundTrip(result))).toEqual({
      kind: 'request',
      request: { ...request, uri: '/other.html', headers: { ...request.headers, 'x-variant': ['b'] } },
    });
  });

  it('a CloudFrontResultResponse from a request trigger is a generated response', () => {
    const generated: CloudFrontResultResponse = {
      status: '403',
      statusDescription: 'Forbidden',
      headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] },
      bodyEncoding: 'text',
      body: 'no',
    };
    const result: CloudFrontRequestResult = generated;
    expect(parseLambdaResult(originRequest, roundTrip(result))).toEqual({
      kind: 'response',
      response: { status: 403, statusDescription: 'Forbidden', headers: { 'content-type': ['text/plain'] }, body: 'no' },
    });
  });

  it('a CloudFrontResponseResult from a response trigger is the changed response', () => {
    const event = lambdaEdgeEvent(originResponse);
    const changed = event.Records[0].cf.response;
    changed.headers['cache-control'] = [{ key: 'Cache-Control', value: 'max-age=300' }];
    const result: CloudFrontResponseResult = changed;
    const parsed = parseLambdaResult(originResponse, roundTrip(result));
    expect(parsed).toEqual({ kind: 'response', response: { status: 200, statusDescription: 'OK', headers: { 'content-type': ['text/html'], 'cache-control': ['max-age=300'] } } });
  });

  it('null, which the types allow, is an invalid result', () => {
    const nothing: CloudFrontResponseResult = null;
    expect(parseLambdaResult(viewerResponse, nothing)).toMatchObject({ kind: 'failure', reason: 'invalid-result' });
  });

  it('the overloads narrow by trigger', () => {
    const invocation: Invocation = viewerRequest;
    expectTypeOf(lambdaEdgeEvent(invocation)).toExtend<CloudFrontRequestEvent | CloudFrontResponseEvent>();
  });
});
