import { S3Error } from '../contract.ts';

/** The S3 errors of authentication and payload checks, with S3's codes, statuses and messages. */

export const MAX_SKEW_MS = 15 * 60 * 1000;

export function accessDenied(message = 'Access Denied', details: Record<string, string> = {}): S3Error {
  return new S3Error('AccessDenied', 403, message, details);
}

export function signatureDoesNotMatch(details: Record<string, string> = {}, message?: string): S3Error {
  return new S3Error(
    'SignatureDoesNotMatch',
    403,
    message ?? 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    details,
  );
}

export function invalidAccessKeyId(accessKeyId: string): S3Error {
  return new S3Error('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', {
    AWSAccessKeyId: accessKeyId,
  });
}

export function headerMalformed(message: string, details: Record<string, string> = {}): S3Error {
  return new S3Error('AuthorizationHeaderMalformed', 400, `The authorization header is malformed; ${message}`, details);
}

export function queryParametersError(message: string): S3Error {
  return new S3Error('AuthorizationQueryParametersError', 400, message);
}

export function requestTimeTooSkewed(requestTime: string, now: number): S3Error {
  return new S3Error('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.', {
    RequestTime: requestTime,
    ServerTime: new Date(now).toISOString(),
    MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
  });
}

export function invalidRequest(message: string): S3Error {
  return new S3Error('InvalidRequest', 400, message);
}

export function invalidArgument(message: string, details: Record<string, string> = {}): S3Error {
  return new S3Error('InvalidArgument', 400, message, details);
}

export function badDigest(message: string): S3Error {
  return new S3Error('BadDigest', 400, message);
}

export function incompleteBody(message = 'You did not provide the number of bytes specified by the Content-Length HTTP header.'): S3Error {
  return new S3Error('IncompleteBody', 400, message);
}

export function notImplemented(message: string): S3Error {
  return new S3Error('NotImplemented', 501, message);
}
