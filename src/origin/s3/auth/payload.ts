import type { Readable, Transform } from 'node:stream';
import type { S3Payload, S3Principal, S3Request } from '../contract.ts';
import { invalidArgument } from './auth-errors.ts';
import { AwsChunkedDecoder } from './aws-chunked-decoder.ts';
import { checksumPlan } from './checksum-plan.ts';
import { PayloadVerifier } from './payload-verifier.ts';

const NO_TRAILERS: ReadonlyMap<string, string> = new Map();

function decodedLengthOf(request: S3Request): number | undefined {
  const text = request.headers['x-amz-decoded-content-length'];
  if (typeof text !== 'string') return undefined;
  if (!/^\d+$/.test(text)) throw invalidArgument('Invalid x-amz-decoded-content-length', { ArgumentName: 'x-amz-decoded-content-length', ArgumentValue: text });
  return Number(text);
}

/**
 * The body of an allowed request, with its aws-chunked framing removed and every declared digest
 * checked as it ends. Throws an S3Error at once for headers that make the body unreadable
 * (malformed checksum values, several checksum algorithms, an unsupported one).
 */
export function openPayload(request: S3Request, principal: S3Principal): S3Payload {
  const protection = principal.payload;
  const chunked = protection.kind === 'streaming-signed' || protection.kind === 'streaming-unsigned-trailer';
  // POST ?uploadId= is CompleteMultipartUpload: its body is the parts list, its checksum headers the object's.
  const completesUpload = request.method === 'POST' && request.query.has('uploadId');
  const plan = checksumPlan(request.headers, chunked, completesUpload);
  const decoder = chunked
    ? new AwsChunkedDecoder({
        trailer: protection.kind === 'streaming-unsigned-trailer' || (protection.kind === 'streaming-signed' && protection.trailer),
        signing: protection.kind === 'streaming-signed' ? protection : undefined,
      })
    : undefined;
  const verifier = new PayloadVerifier({
    plan,
    sha256Hex: protection.kind === 'sha256' ? protection.hex : undefined,
    decodedLength: chunked ? decodedLengthOf(request) : undefined,
    trailers: () => decoder?.trailers ?? NO_TRAILERS,
  });
  const checksums = new Promise<NonNullable<PayloadVerifier['verified']>>((resolve, reject) => {
    verifier.once('error', reject);
    verifier.once('end', () => resolve(verifier.verified ?? {}));
    verifier.once('close', () => reject(new Error('The request body was closed before it ended.')));
  });
  // Whoever reads the body may never look at the checksums (an error answer already sent): that is no unhandled rejection.
  checksums.catch(() => undefined);
  connect(request.raw, decoder ? [decoder, verifier] : [verifier]);
  return { body: verifier, checksums };
}

/**
 * Pipes the request through the stages, every error ending up on the last one. Unlike
 * stream.pipeline, a failed body does not destroy the request: that would reset the connection
 * before the dispatcher can send S3's error answer (it answers with Connection: close instead).
 */
function connect(raw: Readable, stages: Transform[]): void {
  const last = stages[stages.length - 1] as Transform;
  let upstream: Readable = raw;
  for (const stage of stages) {
    upstream.pipe(stage);
    upstream = stage;
  }
  const fail = (error: Error): void => {
    raw.unpipe();
    for (const stage of stages) if (stage !== last) stage.destroy();
    last.destroy(error);
  };
  raw.once('error', fail);
  for (const stage of stages) if (stage !== last) stage.once('error', fail);
  // The reader gave up on the body (or it failed): stop feeding it.
  last.once('close', () => raw.unpipe());
}
