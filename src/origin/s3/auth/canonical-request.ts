import type { IncomingHttpHeaders } from 'node:http';
import { getCanonicalHeaders, getCanonicalQuery } from '@smithy/signature-v4';
import { sha256Hex } from './sigv4-crypto.ts';

/** SigV4's canonical request as S3 builds it: the path not encoded twice, the query sorted, the signed headers only. */

type SmithyRequest = Parameters<typeof getCanonicalQuery>[0];

export interface CanonicalInput {
  method: string;
  /** The request target as sent (path and query, still percent-encoded). */
  target: string;
  headers: IncomingHttpHeaders;
  /** Lower-case names, as SignedHeaders lists them. */
  signedHeaders: readonly string[];
  payloadHash: string;
}

/** RFC 3986 encoding as the SDKs apply it to an S3 key (encodeURIComponent leaves !'()* alone). */
function strictEncode(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  return { path: path === '' ? '/' : path, query: q === -1 ? '' : target.slice(q + 1) };
}

/**
 * The canonical URIs to try, most likely first: the path re-encoded strictly (what the SDKs, botocore
 * and rclone sign), then the path as it came, for a client that signed what it sent.
 */
export function canonicalUris(target: string): string[] {
  const { path } = splitTarget(target);
  const normalized = path.split('/').map((segment) => strictEncode(decodeOrKeep(segment))).join('/');
  return normalized === path ? [path] : [normalized, path];
}

/** The query, each name and value decoded once then encoded by the signer's own rules, sorted; X-Amz-Signature left out. */
export function canonicalQuery(target: string): string {
  const { query: raw } = splitTarget(target);
  const query: Record<string, string | string[]> = {};
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeOrKeep(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeOrKeep(pair.slice(eq + 1));
    const prior = query[name];
    if (prior === undefined) query[name] = value;
    else query[name] = Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return getCanonicalQuery({ method: 'GET', protocol: 'http:', hostname: '', path: '/', headers: {}, query } satisfies SmithyRequest);
}

export function canonicalHeaderBlock(headers: IncomingHttpHeaders, signedHeaders: readonly string[]): string {
  const present: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headers[name];
    if (value !== undefined) present[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // Every header the client named is signed, even those the SDK itself would never sign (user-agent, ...).
  const canonical = getCanonicalHeaders({ method: 'GET', protocol: 'http:', hostname: '', path: '/', headers: present }, undefined, new Set(signedHeaders));
  return signedHeaders.map((name) => `${name}:${canonical[name] ?? ''}\n`).join('');
}

export function canonicalRequest(input: CanonicalInput, canonicalUri: string): string {
  return [
    input.method,
    canonicalUri,
    canonicalQuery(input.target),
    canonicalHeaderBlock(input.headers, input.signedHeaders),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}
