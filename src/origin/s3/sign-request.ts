import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * SigV4 for requests this project sends to an S3 endpoint (the edges reading a private bucket, as
 * CloudFront's Origin Access Control signs its origin requests). The body is never hashed
 * (UNSIGNED-PAYLOAD): the edges send GET and HEAD.
 *
 * Deliberately imports nothing of the project, so it can move to a building block as it is when
 * the edge needs it (a component may not import another component).
 */

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface OutgoingRequest {
  method: string;
  url: string | URL;
  /** Headers to sign and send: only those that reach the origin unchanged (no hop-by-hop ones). */
  headers?: Readonly<Record<string, string>>;
}

export interface SignedRequest {
  /** The URL to send, its path encoded as the signature covers it. */
  url: string;
  /** Every header to send: the caller's, plus host, x-amz-date, x-amz-content-sha256 and authorization. */
  headers: Record<string, string>;
}

export type RequestSigner = (request: OutgoingRequest, now?: number) => Promise<SignedRequest>;

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): Buffer | string {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/**
 * SHA-256 and HMAC-SHA256 for the signer over node:crypto: the pure-JS hash the SDK ships for
 * browsers costs ten times as much per request, and the edges sign every origin fetch.
 */
class NodeSha256 {
  private state: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.state = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret));
  }
  update(data: SourceData): void {
    this.state.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.state.digest()));
  }
  reset(): void {
    this.state = this.fresh();
  }
}

function strictEncode(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Each segment decoded once and encoded as RFC 3986 says, as the SDKs send an S3 key (S3 does not encode the path again). */
function s3Path(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => {
      try {
        return strictEncode(decodeURIComponent(segment));
      } catch {
        return segment;
      }
    })
    .join('/');
}

export function createRequestSigner(options: { credentials: SigningCredentials; region: string; service?: string }): RequestSigner {
  const signer = new SignatureV4({
    service: options.service ?? 's3',
    region: options.region,
    credentials: { accessKeyId: options.credentials.accessKeyId, secretAccessKey: options.credentials.secretAccessKey },
    sha256: NodeSha256,
    // S3 signs the path as sent: already encoded once, not again.
    uriEscapePath: false,
    applyChecksum: false,
  });
  return async (request, now = Date.now()) => {
    const url = new URL(request.url);
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const prior = query[name];
      query[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
    }
    const path = s3Path(url.pathname);
    const headers: Record<string, string> = { ...request.headers, host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const signed = await signer.sign(
      { method: request.method.toUpperCase(), protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path, query, headers },
      { signingDate: new Date(now) },
    );
    const sent = new URL(url);
    sent.pathname = path;
    return { url: sent.toString(), headers: { ...signed.headers } };
  };
}
