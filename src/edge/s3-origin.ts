/**
 * Signs one outgoing S3 request (SigV4). Given by whoever starts the edge (the CLI passes the S3
 * API's signer): an edge may not import the origin's code, so it only knows this shape.
 */
export type OriginRequestSigner = (request: { method: string; url: string; headers: Record<string, string> }) => Promise<{ url: string; headers: Record<string, string> }>;

/** An edge fronting one S3 bucket, as CloudFront fronts S3 (path-style, so any S3 endpoint works). */
export interface S3OriginFront {
  bucket: string;
  /** Signs GET and HEAD, as CloudFront's Origin Access Control does; without it the edge reads anonymously. */
  signer?: OriginRequestSigner;
  /** What `/` serves (CloudFront's DefaultRootObject); default index.html. */
  defaultRootObject?: string;
}

/** The parts of an origin fetch this changes (the origin client's request has more). */
interface OutgoingFetch {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
}

const READS = new Set(['GET', 'HEAD']);

/**
 * The viewer's request as an S3 GetObject/HeadObject of `bucket`: `/<bucket><path>`, without the
 * query (a viewer's `?uploads`, `?acl` or `?list-type` would otherwise name another S3 operation
 * on the bucket, which a signing edge would be allowed to run). Only reads are signed: a viewer's
 * PUT or DELETE reaches the bucket anonymous, and a private bucket refuses it.
 */
export async function toS3Request<R extends OutgoingFetch>(front: S3OriginFront, originUrl: string, request: R): Promise<R> {
  const pathOnly = request.path.split('?', 1)[0]!;
  const key = pathOnly === '/' || pathOnly === '' ? `/${front.defaultRootObject ?? 'index.html'}` : pathOnly;
  const path = `/${front.bucket}${key}`;
  if (!front.signer || !READS.has(request.method.toUpperCase())) return { ...request, path };
  const forwarded: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    // The viewer's own credentials and x-amz-* headers never reach a bucket the edge signs for:
    // the signature is the edge's, and S3 refuses an x-amz-* header the signature does not cover.
    if (lower === 'authorization' || lower === 'host' || lower.startsWith('x-amz-')) continue;
    forwarded[lower] = value;
  }
  // Only host and the x-amz-* headers are signed: the rest (validators, Via, X-Forwarded-For)
  // travel unsigned, as S3 allows, so arrays and the connector's own headers need no care.
  const signed = await front.signer({ method: request.method.toUpperCase(), url: new URL(path, originUrl).toString(), headers: {} });
  const sentUrl = new URL(signed.url);
  return { ...request, path: `${sentUrl.pathname}${sentUrl.search}`, headers: { ...forwarded, ...signed.headers } };
}
