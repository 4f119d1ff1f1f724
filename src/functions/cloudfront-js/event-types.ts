/**
 * The CloudFront Functions event and result shapes (AWS's "CloudFront Functions event structure"),
 * declared here so that src/ does not depend on @types/aws-lambda (a devDependency); a test checks
 * that these agree with its CloudFrontFunctionsEvent.
 */

/** One query parameter, header or cookie: `value` is the first; `multiValue` lists all when the name repeats. */
export interface CfField {
  value: string;
  multiValue?: CfFieldValue[];
}
export interface CfFieldValue {
  value: string;
}

/** A response cookie also carries what followed the pair in its Set-Cookie line. */
export interface CfCookie {
  value: string;
  attributes?: string;
  multiValue?: CfCookieValue[];
}
export interface CfCookieValue {
  value: string;
  attributes?: string;
}

export type CfFields = Record<string, CfField>;
export type CfCookies = Record<string, CfCookie>;

export interface CfRequest {
  method: string;
  uri: string;
  querystring: CfFields;
  headers: CfFields;
  cookies: CfFields;
}

/** A generated body: text, or bytes written in base64. A bare string is shorthand for text. */
export type CfBody = string | { encoding: 'text' | 'base64'; data: string };

export interface CfResponse {
  statusCode: number;
  statusDescription?: string;
  headers: CfFields;
  cookies: CfCookies;
  body?: CfBody;
}

export type CfEventType = 'viewer-request' | 'viewer-response';

export interface CfEvent {
  version: '1.0';
  context: {
    distributionDomainName: string;
    distributionId: string;
    eventType: CfEventType;
    requestId: string;
  };
  viewer: { ip: string };
  request: CfRequest;
  /** Only on viewer-response. */
  response?: CfResponse;
}
