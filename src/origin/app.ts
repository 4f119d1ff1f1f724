import express, { type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { hasAdminToken } from '../admin/token.ts';
import type { OriginRequestMeter } from './metrics.ts';
import { parseObjectKey } from './object-key.ts';
import { evaluatePreconditions } from '../http/preconditions.ts';
import { KeyLock } from './key-lock.ts';
import { originErrorHandler } from './error-handler.ts';
import { BodyTooLargeError, type ObjectStore } from './object-store.ts';
import { serveObject } from './serve-object.ts';
import { syntheticObject } from './synthetic.ts';

export interface OriginAppOptions {
  id: string;
  store: ObjectStore;
  registry: Registry;
  /** Counts each request; the server calls it for requests answered outside the app too. */
  meter: OriginRequestMeter;
  maxObjectBytes: number;
  adminToken: string | undefined;
}

/** Paths the origin answers itself; no stored object may take these names. */
const RESERVED_PREFIXES = ['gen/', '_cdn/'];
const RESERVED_KEYS = new Set(['metrics']);

/** The query of a request target; unlike new URL(), never throws (absolute form with a bad port, say). */
function queryOf(target: string): URLSearchParams {
  const mark = target.indexOf('?');
  return new URLSearchParams(mark === -1 ? '' : target.slice(mark + 1));
}

function text(res: Response, status: number, body: string): void {
  res.status(status).type('text/plain').send(`${body}\n`);
}

export function createOriginApp(options: OriginAppOptions): express.Express {
  const { store, registry } = options;
  const writes = new KeyLock();
  const app = express();
  app.disable('x-powered-by');
  // Object keys are case-sensitive (S3 semantics), so the origin's own routes must be too:
  // otherwise /METRICS could be stored but never served.
  app.set('case sensitive routing', true);
  app.set('etag', false);
  app.use((req, res, next) => {
    options.meter(req, res);
    next();
  });

  app.get('/_cdn/health', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok', role: 'origin', id: options.id });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Cache-Control', 'no-store').type(registry.contentType).send(await registry.metrics());
  });

  app.get('/gen/:id', async (req, res) => {
    const result = syntheticObject(req.params.id, queryOf(req.url));
    if ('error' in result) return text(res, 400, `Bad Request: ${result.error}`);
    await serveObject(req, res, result.object);
  });
  app.all('/gen/*rest', (_req, res) => {
    res.set('Allow', 'GET, HEAD');
    text(res, 405, 'Method Not Allowed: /gen/ is reserved for synthetic objects');
  });

  app.use(async (req, res) => {
    const pathname = req.url.split('?', 1)[0]!;
    const parsed = parseObjectKey(pathname);
    if ('error' in parsed) return text(res, 400, `Bad Request: ${parsed.error}`);
    const { key } = parsed;
    switch (req.method) {
      case 'GET':
      case 'HEAD': {
        const object = await store.get(key);
        if (!object) return text(res, 404, `Not Found: ${key}`);
        return serveObject(req, res, object);
      }
      case 'PUT':
        if (!authorised(req, res, options.adminToken)) return;
        if (RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix)) || RESERVED_KEYS.has(key)) {
          return text(res, 400, `Bad Request: "${key}" is a reserved path of the origin`);
        }
        return writes.run(key, async () => {
          if (await writePreconditionFails(req, store, key)) return text(res, 412, 'Precondition Failed');
          return putObject(req, res, key, options);
        });
      case 'DELETE':
        if (!authorised(req, res, options.adminToken)) return;
        return writes.run(key, async () => {
          if (await writePreconditionFails(req, store, key)) return text(res, 412, 'Precondition Failed');
          return (await store.delete(key)) ? void res.status(204).end() : text(res, 404, `Not Found: ${key}`);
        });
      default:
        res.set('Allow', 'GET, HEAD, PUT, DELETE');
        return text(res, 405, `Method Not Allowed: ${req.method}`);
    }
  });

  app.use(originErrorHandler);
  return app;
}

/** If-Match / If-None-Match / If-Unmodified-Since on a write, against the object as it is now (lost-update guard). */
async function writePreconditionFails(req: Request, store: ObjectStore, key: string): Promise<boolean> {
  const { headers } = req;
  if (headers['if-match'] === undefined && headers['if-none-match'] === undefined && headers['if-unmodified-since'] === undefined) {
    return false;
  }
  const current = await store.get(key);
  if (!current) return headers['if-match'] !== undefined;
  current.release();
  return evaluatePreconditions(req.method, headers, current) !== 'proceed';
}

function authorised(req: Request, res: Response, token: string | undefined): boolean {
  if (!token) {
    text(res, 403, 'Forbidden: writes are disabled because CDNSIM_ADMIN_TOKEN is not set');
    return false;
  }
  if (req.headers.authorization === undefined) {
    res.set('WWW-Authenticate', 'Bearer realm="cdnsim"');
    text(res, 401, 'Unauthorized: send Authorization: Bearer <admin token>');
    return false;
  }
  if (!hasAdminToken(req.headers, token)) {
    text(res, 403, 'Forbidden: wrong admin token');
    return false;
  }
  return true;
}

async function putObject(req: Request, res: Response, key: string, options: OriginAppOptions): Promise<void> {
  const declared = Number(req.headers['content-length']);
  if (declared > options.maxObjectBytes) {
    // Refuse before reading: the client learns at once, and nothing touches the disk.
    res.set('Connection', 'close');
    return text(res, 413, `Content Too Large: the limit is ${options.maxObjectBytes} bytes`);
  }
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  try {
    const { meta, replaced } = await options.store.put(
      key,
      {
        contentType: header('content-type') ?? 'application/octet-stream',
        cacheControl: header('cache-control'),
        surrogateKey: header('surrogate-key'),
      },
      req,
      options.maxObjectBytes,
    );
    res.set('ETag', meta.etag);
    res.status(replaced ? 204 : 201).end();
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      res.set('Connection', 'close');
      return text(res, 413, `Content Too Large: the limit is ${options.maxObjectBytes} bytes`);
    }
    if (req.destroyed || req.readableAborted) return void res.destroy();
    throw error;
  }
}
