import type { S3Principal, S3Request, S3Settings } from '../contract.ts';
import { MAX_SKEW_MS, accessDenied, queryParametersError } from './auth-errors.ts';
import { parseAmzDate } from './amz-date.ts';
import { resolveCredential } from './credential-scope.ts';
import { declaredPayload, protectionOf } from './payload-protection.ts';
import { verifySignature } from './signature-check.ts';

const REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'] as const;

function malformed(message: string): ReturnType<typeof queryParametersError> {
  return queryParametersError(`Error parsing the X-Amz-Credential parameter; ${message}`);
}

/** A presigned URL: SigV4 in the query string, valid from X-Amz-Date for X-Amz-Expires seconds. */
export function authenticateByQuery(request: S3Request, settings: S3Settings, now: number): S3Principal {
  const params = request.query;
  const missing = REQUIRED.filter((name) => !params.get(name));
  if (missing.length > 0) {
    throw queryParametersError(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const get = (name: (typeof REQUIRED)[number]): string => params.get(name) ?? '';
  if (get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    throw queryParametersError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const expiresText = get('X-Amz-Expires');
  if (!/^-?\d+$/.test(expiresText)) throw queryParametersError('X-Amz-Expires should be a number');
  const expires = Number(expiresText);
  if (expires < 0) throw queryParametersError('X-Amz-Expires must be non-negative');
  if (expires > settings.maxPresignSeconds) {
    throw queryParametersError(
      `X-Amz-Expires must be less than a week (in seconds) that is; the maximum expires is ${settings.maxPresignSeconds} seconds`,
    );
  }
  const amzDate = get('X-Amz-Date');
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) throw queryParametersError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  const credential = resolveCredential(get('X-Amz-Credential'), settings, malformed);
  if (amzDate.slice(0, 8) !== credential.shortDate) {
    throw malformed(`Invalid credential date "${credential.shortDate}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  if (signedAt - now > MAX_SKEW_MS) throw accessDenied('Request is not valid yet');
  if (now > signedAt + expires * 1000) {
    throw accessDenied('Request has expired', {
      'X-Amz-Expires': expiresText,
      Expires: new Date(signedAt + expires * 1000).toISOString(),
      ServerTime: new Date(now).toISOString(),
    });
  }
  const signedHeaders = get('X-Amz-SignedHeaders').split(';').map((name) => name.trim().toLowerCase());
  const headerHash = request.headers['x-amz-content-sha256'];
  // The presigners hoist x-amz-content-sha256 into the query; a URL without it covers any body.
  const payloadHash = params.get('X-Amz-Content-Sha256') ?? (typeof headerHash === 'string' ? headerHash : 'UNSIGNED-PAYLOAD');
  const declared = declaredPayload(payloadHash);
  const signature = get('X-Amz-Signature');
  const key = verifySignature(
    { method: request.method, target: request.raw.url ?? '/', headers: request.headers, signedHeaders, payloadHash },
    credential,
    amzDate,
    signature,
  );
  return {
    accessKeyId: credential.accessKeyId,
    payload: protectionOf(declared, { seedSignature: signature, signingKey: key, scope: credential.scope, amzDate }),
  };
}
