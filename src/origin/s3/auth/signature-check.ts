import { canonicalRequest, canonicalUris, stringToSign, type CanonicalInput } from './canonical-request.ts';
import type { CredentialScope } from './credential-scope.ts';
import { signatureDoesNotMatch } from './auth-errors.ts';
import { sameSignature, signHex, signingKey } from './sigv4-crypto.ts';

/**
 * Checks a request's SigV4 signature; answers the signing key (streaming uploads sign each chunk
 * with it). Throws SignatureDoesNotMatch with the string to sign and the canonical request S3 would
 * show, so a client author can see which part differs.
 */
export function verifySignature(input: CanonicalInput, credential: CredentialScope, amzDate: string, provided: string): Buffer {
  const key = signingKey(credential.secretAccessKey, credential.shortDate, credential.region, credential.service);
  let first: { canonical: string; toSign: string } | undefined;
  for (const uri of canonicalUris(input.target)) {
    const canonical = canonicalRequest(input, uri);
    const toSign = stringToSign(amzDate, credential.scope, canonical);
    if (sameSignature(signHex(key, toSign), provided.toLowerCase())) return key;
    first ??= { canonical, toSign };
  }
  throw signatureDoesNotMatch({
    AWSAccessKeyId: credential.accessKeyId,
    StringToSign: first?.toSign ?? '',
    SignatureProvided: provided,
    CanonicalRequest: first?.canonical ?? '',
  });
}
