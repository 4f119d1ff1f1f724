import { EMPTY_SHA256, sha256Hex, signHex } from './sigv4-crypto.ts';

/** The signing context of a SigV4 streaming upload: each chunk's signature chains on from the previous one. */
export interface ChunkSigning {
  seedSignature: string;
  signingKey: Buffer;
  scope: string;
  amzDate: string;
}

export function chunkSignature(signing: ChunkSigning, previous: string, chunkSha256Hex: string): string {
  return signHex(signing.signingKey, `AWS4-HMAC-SHA256-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${previous}\n${EMPTY_SHA256}\n${chunkSha256Hex}`);
}

/** The trailer chunk is signed over its headers as "name:value\n" lines, chained on the final (empty) chunk's signature. */
export function trailerSignature(signing: ChunkSigning, previous: string, trailers: ReadonlyArray<readonly [string, string]>): string {
  const canonical = trailers.map(([name, value]) => `${name}:${value}\n`).join('');
  return signHex(signing.signingKey, `AWS4-HMAC-SHA256-TRAILER\n${signing.amzDate}\n${signing.scope}\n${previous}\n${sha256Hex(canonical)}`);
}
