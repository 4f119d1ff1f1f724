import type { PayloadProtection } from '../contract.ts';
import { invalidArgument, notImplemented } from './auth-errors.ts';

/** What x-amz-content-sha256 says of the payload, before the signing details of a streaming one are known. */
export type DeclaredPayload =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  | { kind: 'streaming-signed'; trailer: boolean }
  | { kind: 'streaming-unsigned-trailer' };

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function declaredPayload(contentSha256: string): DeclaredPayload {
  switch (contentSha256) {
    case 'UNSIGNED-PAYLOAD':
      return { kind: 'unsigned' };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return { kind: 'streaming-signed', trailer: false };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { kind: 'streaming-signed', trailer: true };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'streaming-unsigned-trailer' };
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER':
      throw notImplemented('SigV4a (ECDSA) streaming signatures are not supported by this origin.');
  }
  const hex = contentSha256.toLowerCase();
  if (!SHA256_HEX.test(hex)) {
    throw invalidArgument('x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.', {
      ArgumentName: 'x-amz-content-sha256',
      ArgumentValue: contentSha256,
    });
  }
  return { kind: 'sha256', hex };
}

/** The protection once the request's signature is verified: a signed stream carries on from the seed signature. */
export function protectionOf(
  declared: DeclaredPayload,
  signing: { seedSignature: string; signingKey: Buffer; scope: string; amzDate: string },
): PayloadProtection {
  if (declared.kind !== 'streaming-signed') return declared;
  return { kind: 'streaming-signed', trailer: declared.trailer, ...signing, seedSignature: signing.seedSignature.toLowerCase() };
}
