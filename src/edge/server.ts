import type { IncomingMessage, ServerResponse } from 'node:http';
import { readPurgeRequest } from '../admin/purge-request.ts';
import { hasAdminToken } from '../admin/token.ts';
import { wallClock } from '../cache/clock.ts';
import type { StoreCapacity } from '../cache/create-entry-store.ts';
import { HttpCache } from '../cache/http-cache.ts';
import { createRegistry, isMetricsRequest, serveMetrics } from '../metrics/registry.ts';
import { createHttpServer } from '../net/http-server.ts';
import { closeServer, listen } from '../net/listen.ts';
import { sendJson, sendText } from '../net/plain-response.ts';
import { CLIENT_TIMEOUTS, DEFAULT_ORIGIN_TIMEOUTS, SERVE_STALE_ON_ORIGIN_ERROR } from './defaults.ts';
import { sharedFetchAllowList } from './forward-headers.ts';
import type { EdgeHooks } from './hooks.ts';
import type { FunctionSpec } from '../functions/types.ts';
import { createAddressMatcher } from '../net/cidr.ts';
import { functionsEndpoint } from './function-endpoints.ts';
import { functionHooks } from './function-hooks.ts';
import { createFunctionMetrics } from './function-metrics.ts';
import { EdgeFunctionSet } from './function-set.ts';
import { createEdgeMetrics } from './metrics.ts';
import { OriginClient } from './origin-client.ts';
import type { S3OriginFront } from './s3-origin.ts';
import { handleContentRequest, type EdgeContext } from './request-path.ts';

/** The cache capacity is `maxSize` (bytes) or `maxObjects`: exactly one. */
export type EdgeOptions = StoreCapacity & {
  id: string;
  region: string;
  host: string;
  port: number;
  originUrl: string;
  /** Which simulator policy evicts (a name from LIVE_POLICIES); default lru. */
  policy?: string;
  /** Responses larger than this pass through unstored. */
  maxObjectBytes: number;
  /** Simulated edge-to-origin round trip (network model), added to every origin fetch. */
  originRoundTripMs: number;
  adminToken: string | undefined;
  originTimeouts?: { connectMs: number; headersMs: number; bodyMs: number };
  /** Serve stale entries when the origin fails, even without stale-if-error (CloudFront's way); default true. */
  serveStaleOnOriginError?: boolean;
  /** Client headers a shared fetch forwards besides the defaults (see forward-headers.ts). */
  originRequestHeaders?: readonly string[];
  /** The response field targeted at this CDN alone (RFC 9213), before CDN-Cache-Control; default Cdnsim-Cache-Control. */
  targetedCacheControlField?: string;
  /** Edge functions' hook points (see hooks.ts), for tests and embedders; not together with `functions`. */
  hooks?: EdgeHooks;
  /** Edge functions this edge runs (at most one per trigger), reloaded when their files change. */
  functions?: readonly FunctionSpec[];
  /** Peers believed when they state the viewer's address (CloudFront-Viewer-Address), as CIDRs; default loopback (the router). */
  trustedPeers?: readonly string[];
  /** Quiet time after a function file changes before it is reloaded; default 100 ms. */
  functionReloadDebounceMs?: number;
  /** The origin is an S3 bucket (topology origin.s3.bucket), read by S3 GET, signed when given a signer. */
  s3Origin?: S3OriginFront;
};

export interface RunningEdge {
  port: number;
  url: string;
  cache: HttpCache;
  close(): Promise<void>;
}

export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const registry = createRegistry();
  let cache: HttpCache | undefined;
  const metrics = createEdgeMetrics(registry, { edge: options.id, region: options.region }, () => ({
    bytes: cache?.bytes ?? 0,
    objects: cache?.objects ?? 0,
  }));
  const capacity: StoreCapacity = options.maxSize !== undefined ? { maxSize: options.maxSize } : { maxObjects: options.maxObjects };
  cache = new HttpCache({
    ...capacity,
    policy: options.policy,
    clock: wallClock,
    cdnsimField: options.targetedCacheControlField,
    onEvict: () => metrics.countEviction(),
  });
  const timeouts = options.originTimeouts ?? DEFAULT_ORIGIN_TIMEOUTS;
  const origin = new OriginClient({
    originUrl: options.originUrl,
    roundTripMs: options.originRoundTripMs,
    connectTimeoutMs: timeouts.connectMs,
    headersTimeoutMs: timeouts.headersMs,
    bodyTimeoutMs: timeouts.bodyMs,
    ...(options.s3Origin ? { s3: options.s3Origin } : {}),
  });
  if (options.hooks && options.functions?.length) throw new Error('give an edge hooks or functions, not both');
  const functions = options.functions?.length ? await startFunctions(options, registry) : undefined;
  const context: EdgeContext = {
    id: options.id,
    cache,
    origin,
    metrics,
    maxObjectBytes: Math.min(options.maxObjectBytes, options.maxSize ?? Infinity),
    originRequestHeaders: sharedFetchAllowList(options.originRequestHeaders),
    serveStaleOnOriginError: options.serveStaleOnOriginError ?? SERVE_STALE_ON_ORIGIN_ERROR,
    hooks: functions?.hooks ?? options.hooks,
    flights: new Map(),
  };

  const server = createHttpServer(
    (req, res) => {
      handle(context, req, res, registry, options.adminToken, functions?.set).catch((error: unknown) => {
        console.error(`unexpected error on ${req.method} ${req.url}:`, error);
        sendText(res, 500, 'Internal Server Error');
      });
    },
    CLIENT_TIMEOUTS,
  );
  let port: number;
  try {
    port = await listen(server, options.port, options.host);
  } catch (error) {
    // The functions' workers would keep the process alive with nothing to serve.
    await functions?.set.close();
    throw error;
  }
  return {
    port,
    url: `http://${options.host}:${port}`,
    cache,
    async close() {
      await closeServer(server);
      await origin.close();
      await functions?.set.close();
    },
  };
}

async function handle(
  context: EdgeContext,
  req: IncomingMessage,
  res: ServerResponse,
  registry: ReturnType<typeof createRegistry>,
  adminToken: string | undefined,
  functions: EdgeFunctionSet | undefined,
): Promise<void> {
  const url = req.url ?? '/';
  if (!url.startsWith('/_cdn/') && url !== '/metrics') return handleContentRequest(context, req, res);
  if (isMetricsRequest(req)) return serveMetrics(registry, res);
  if (url === '/_cdn/health') return sendJson(res, 200, { status: 'ok', role: 'edge', id: context.id });
  if (url === '/_cdn/purge') return purge(context, req, res, adminToken);
  if (url === '/_cdn/functions' || url.startsWith('/_cdn/functions/') || url.startsWith('/_cdn/functions?')) {
    return functionsEndpoint(context.id, functions, req, res, adminToken);
  }
  return sendText(res, 404, `Not Found: no such edge endpoint ${url}`);
}

/** POST /_cdn/purge {paths?, prefixes?, tags?} with the admin token: drops matching entries. */
async function purge(context: EdgeContext, req: IncomingMessage, res: ServerResponse, adminToken: string | undefined): Promise<void> {
  if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed: use POST', { allow: 'POST' });
  if (!hasAdminToken(req.headers, adminToken)) {
    return sendText(res, 401, 'Unauthorized: send Authorization: Bearer <admin token>', { 'www-authenticate': 'Bearer realm="cdnsim"' });
  }
  const parsed = await readPurgeRequest(req);
  if (!parsed.ok) return sendText(res, parsed.status, `${parsed.status === 413 ? 'Content Too Large' : 'Bad Request'}: ${parsed.message}`);
  const purged = context.cache.purge(parsed.purge);
  sendJson(res, 200, { edge: context.id, purged, total: purged.paths + purged.prefixes + purged.tags });
}

/** The loopback addresses the router connects from. */
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

async function startFunctions(options: EdgeOptions, registry: ReturnType<typeof createRegistry>): Promise<{ set: EdgeFunctionSet; hooks: EdgeHooks }> {
  const metrics = createFunctionMetrics(registry, options.id);
  const set = await EdgeFunctionSet.load(options.functions!, { edgeId: options.id, metrics, debounceMs: options.functionReloadDebounceMs });
  set.watch();
  const hooks = functionHooks({ edgeId: options.id, functions: set, metrics, trustedPeer: createAddressMatcher(options.trustedPeers ?? LOOPBACK), originUrl: options.originUrl });
  return { set, hooks };
}
