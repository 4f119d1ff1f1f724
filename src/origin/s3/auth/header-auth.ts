import type { S3Principal, S3Request, S3Settings } from '../contract.ts';
import { accessDenied, headerMalformed, invalidRequest } from './auth-errors.ts';
import { resolveCredential } from './credential-scope.ts';
import { declaredPayload, protectionOf } from './payload-protection.ts';
import { headerRequestTime } from './request-time.ts';
import { verifySignature } from './signature-check.ts';

export const HEADER_ALGORITHM = 'AWS4-HMAC-SHA256';

/** Credential=..., SignedHeaders=..., Signature=... (commas, optional spaces, any order). */
function parseAuthorization(value: string): { credential: string; signedHeaders: string; signature: string } {
  const fields = new Map<string, string>();
  for (const part of value.slice(HEADER_ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw headerMalformed('expecting Credential, SignedHeaders and Signature in an AWS4-HMAC-SHA256 Authorization header.');
  }
  return { credential, signedHeaders, signature };
}

/** Headers S3 insists are signed when present: every x-amz-* one (S3 answers HeadersNotSigned otherwise). */
function unsignedAmzHeaders(request: S3Request, signed: ReadonlySet<string>): string[] {
  return Object.keys(request.headers).filter((name) => name.startsWith('x-amz-') && !signed.has(name));
}

export function authenticateByHeader(request: S3Request, authorization: string, settings: S3Settings, now: number): S3Principal {
  const fields = parseAuthorization(authorization);
  const credential = resolveCredential(fields.credential, settings, headerMalformed);
  const { amzDate } = headerRequestTime(request.headers, now);
  if (amzDate.slice(0, 8) !== credential.shortDate) {
    throw headerMalformed(`Invalid credential date "${credential.shortDate}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  const signedHeaders = fields.signedHeaders.split(';').map((name) => name.trim().toLowerCase());
  const signedSet = new Set(signedHeaders);
  if (!signedSet.has('host')) throw headerMalformed('the SignedHeaders must include host.');
  const unsigned = unsignedAmzHeaders(request, signedSet);
  if (unsigned.length > 0) {
    throw accessDenied('There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') });
  }
  const contentSha256 = request.headers['x-amz-content-sha256'];
  if (typeof contentSha256 !== 'string') throw invalidRequest('Missing required header for this request: x-amz-content-sha256');
  const declared = declaredPayload(contentSha256);
  const key = verifySignature(
    { method: request.method, target: request.raw.url ?? '/', headers: request.headers, signedHeaders, payloadHash: contentSha256 },
    credential,
    amzDate,
    fields.signature,
  );
  return {
    accessKeyId: credential.accessKeyId,
    payload: protectionOf(declared, { seedSignature: fields.signature, signingKey: key, scope: credential.scope, amzDate }),
  };
}
