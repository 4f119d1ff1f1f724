/**
 * The CloudFront Functions event built from a runtime-neutral invocation (AWS's "CloudFront
 * Functions event structure", version 1.0): cookies come out of the Cookie header into
 * `request.cookies`, and Set-Cookie out of the response headers into `response.cookies`.
 */
import type { Invocation } from '../types.ts';
import type { CfEvent, CfEventType, CfResponse } from './event-types.ts';
import { cookieFields, headerFields, querystringFields, setCookieFields } from './fields.ts';

export function isViewerTrigger(trigger: string): trigger is CfEventType {
  return trigger === 'viewer-request' || trigger === 'viewer-response';
}

/** A viewer-response event always has its response; a viewer-request event has none (as AWS sends it). */
export function cloudFrontFunctionsEvent(invocation: Extract<Invocation, { trigger: 'viewer-response' }>): CfEvent & { response: CfResponse };
export function cloudFrontFunctionsEvent(invocation: Invocation): CfEvent;
export function cloudFrontFunctionsEvent(invocation: Invocation): CfEvent {
  const { trigger, request, context } = invocation;
  if (!isViewerTrigger(trigger)) {
    throw new Error(`cloudfront-js runs on viewer triggers only, not ${trigger}`);
  }
  const event: CfEvent = {
    version: '1.0',
    context: {
      // The same stand-ins as lambda-node's config, so one function reads the same facts in both profiles.
      distributionDomainName: `${context.edgeId}.cdnsim.test`,
      distributionId: context.edgeId.toUpperCase(),
      eventType: trigger,
      requestId: context.requestId,
    },
    viewer: { ip: request.clientIp },
    request: {
      method: request.method,
      uri: request.uri,
      querystring: querystringFields(request.querystring),
      headers: headerFields(request.headers, 'cookie'),
      cookies: cookieFields(request.headers['cookie'] ?? []),
    },
  };
  if (invocation.trigger === 'viewer-response') {
    const { response } = invocation;
    event.response = {
      statusCode: response.status,
      ...(response.statusDescription === undefined ? {} : { statusDescription: response.statusDescription }),
      headers: headerFields(response.headers, 'set-cookie'),
      cookies: setCookieFields(response.headers['set-cookie'] ?? []),
    };
  }
  return event;
}
