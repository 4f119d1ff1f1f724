import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasAdminToken } from '../admin/token.ts';
import { sendJson, sendText } from '../net/plain-response.ts';
import type { EdgeFunctionSet } from './function-set.ts';

/**
 * GET /_cdn/functions: each function's id, runtime, triggers and running version.
 * POST /_cdn/functions/reload[?id=ID] with the admin token: reloads the functions whose files
 * changed (a file that no longer compiles keeps its running version, and says why).
 */
export async function functionsEndpoint(
  edgeId: string,
  functions: EdgeFunctionSet | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  adminToken: string | undefined,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://edge');
  if (url.pathname === '/_cdn/functions') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed: use GET', { allow: 'GET, HEAD' });
    return sendJson(res, 200, { edge: edgeId, functions: (functions?.list() ?? []).map(({ id, runtime, triggers, version }) => ({ id, runtime, triggers, version })) });
  }
  if (url.pathname !== '/_cdn/functions/reload') return sendText(res, 404, `Not Found: no such edge endpoint ${url.pathname}`);
  if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed: use POST', { allow: 'POST' });
  if (!hasAdminToken(req.headers, adminToken)) {
    return sendText(res, 401, 'Unauthorized: send Authorization: Bearer <admin token>', { 'www-authenticate': 'Bearer realm="cdnsim"' });
  }
  // The request body carries nothing: read it off so that the connection can be reused.
  req.resume();
  const id = url.searchParams.get('id') ?? undefined;
  const results = (await functions?.reload(id)) ?? [];
  if (id !== undefined && results.length === 0) return sendText(res, 404, `Not Found: this edge runs no function "${id}"`);
  const failed = results.some((result) => result.result === 'failed');
  sendJson(res, failed ? 422 : 200, { edge: edgeId, results });
}
