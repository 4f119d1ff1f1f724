import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { CacheRequest } from '../cache/http-cache.ts';
import type { FunctionHeaders, FunctionOrigin, FunctionRequest, FunctionResponse } from '../functions/types.ts';
import { originChangeProblem } from '../functions/origin-change.ts';
import { normalizeTarget } from '../http/normalize-target.ts';
import type { HookResponseHead, OutgoingRequest } from './hooks.ts';

/** The edge's request and response shapes to and from a function's (runtime-neutral) ones. */

export const VIEWER_ADDRESS_HEADER = 'cloudfront-viewer-address';

/** Lowercase names, every value a list (Node joins repeated request fields into one string already). */
export function toFunctionHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): FunctionHeaders {
  const out: FunctionHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? [...value] : [String(value)];
  }
  return out;
}

/** Back to a header record: one value stays a string; Set-Cookie stays a list (it cannot be joined). */
export function fromFunctionHeaders(headers: FunctionHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const values = headers[name]!;
    if (values.length === 0) continue;
    const key = name.toLowerCase();
    if (values.length === 1) out[key] = values[0]!;
    else if (key === 'set-cookie') out[key] = [...values];
    else out[key] = values.join(key === 'cookie' ? '; ' : ', ');
  }
  return out;
}

function splitTarget(target: string): { uri: string; querystring: string } {
  const mark = target.indexOf('?');
  return mark === -1 ? { uri: target, querystring: '' } : { uri: target.slice(0, mark), querystring: target.slice(mark + 1) };
}

function joinTarget(request: FunctionRequest): string {
  return request.querystring ? `${request.uri}?${request.querystring}` : request.uri;
}

/**
 * The viewer's address: CloudFront-Viewer-Address (ip:port, set by the router) when the peer is
 * trusted to say it, else the socket's peer.
 */
export function clientIpOf(req: IncomingMessage, trusted: (address: string | undefined) => boolean): string {
  const peer = req.socket.remoteAddress ?? '';
  const stated = req.headers[VIEWER_ADDRESS_HEADER];
  if (typeof stated === 'string' && trusted(peer)) {
    const colon = stated.lastIndexOf(':');
    const ip = (colon > 0 ? stated.slice(0, colon) : stated).replace(/^\[|\]$/g, '');
    if (ip) return ip;
  }
  return peer;
}

export function viewerFunctionRequest(request: CacheRequest, clientIp: string): FunctionRequest {
  return { method: request.method, ...splitTarget(request.url), headers: toFunctionHeaders(request.headers), clientIp };
}

/** The edge's origin as Lambda@Edge's `origin.custom` names it: no path prefix of its own (cdnsim's origins serve from /). */
export function functionOriginOf(originUrl: string): FunctionOrigin {
  const url = new URL(originUrl);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return { domainName: url.hostname, port: Number(url.port || (protocol === 'https' ? 443 : 80)), protocol, path: '' };
}

export function originFunctionRequest(outgoing: OutgoingRequest, method: string, clientIp: string, origin: FunctionOrigin | undefined): FunctionRequest {
  const request: FunctionRequest = { method, ...splitTarget(outgoing.path), headers: toFunctionHeaders(outgoing.headers), clientIp };
  if (origin) request.origin = { ...origin };
  return request;
}

/**
 * Applies a viewer-request function's request to the edge's: the target (normalised like a
 * client's, so the cache key is the one a client asking for it directly gets) and the headers,
 * replaced in place (they are the client request's own, which the fetch forwards). Returns a
 * problem when the new target is not a path.
 */
export function applyViewerRequest(request: CacheRequest, result: FunctionRequest): string | undefined {
  const target = normalizeTarget(joinTarget(result));
  if (target === undefined || !target.startsWith('/')) return `the request's uri must be a path, got ${JSON.stringify(result.uri)}`;
  request.url = target;
  replaceInPlace(request.headers as Record<string, string | string[] | undefined>, fromFunctionHeaders(result.headers));
  return undefined;
}

/**
 * Applies an origin-request function's request to what the edge sends: the target, after the
 * origin path the function set (prefixed, as CloudFront prefixes an origin's path), and the
 * headers. Returns a problem when the target is not a path or the function named another origin.
 */
export function applyOriginRequest(outgoing: OutgoingRequest, result: FunctionRequest, configured: FunctionOrigin | undefined): string | undefined {
  const target = joinTarget(result);
  if (!target.startsWith('/')) return `the request's uri must be a path, got ${JSON.stringify(result.uri)}`;
  const problem = originChangeProblem(configured, result.origin);
  if (problem) return problem;
  outgoing.path = `${result.origin?.path ?? ''}${target}`;
  outgoing.headers = fromFunctionHeaders(result.headers);
  return undefined;
}

export function toFunctionResponse(head: HookResponseHead): FunctionResponse {
  return { status: head.status, headers: toFunctionHeaders(head.headers) };
}

/** Framing the edge owns: a function may not change how many bytes follow. */
const FRAMING = ['content-length', 'transfer-encoding', 'content-range'];

/** Applies a response function's result to the head: status (unless `keepStatus`) and headers, framing kept. */
export function applyResponse(head: HookResponseHead, result: FunctionResponse, keepStatus: boolean): string | undefined {
  if (!Number.isInteger(result.status) || result.status < 200 || result.status > 599) return `status must be 200-599, got ${String(result.status)}`;
  if (!keepStatus) head.status = result.status;
  const headers = fromFunctionHeaders(result.headers);
  for (const name of FRAMING) {
    if (head.headers[name] !== undefined) headers[name] = head.headers[name]!;
    else delete headers[name];
  }
  replaceInPlace(head.headers, headers);
  return undefined;
}

function replaceInPlace(target: Record<string, string | string[] | undefined>, next: Record<string, string | string[]>): void {
  for (const name of Object.keys(target)) if (!(name in next)) delete target[name];
  Object.assign(target, next);
}
