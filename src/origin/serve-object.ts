import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { evaluatePreconditions, selectRange } from '../http/preconditions.ts';
import type { ServableObject } from './servable-object.ts';

/** Answers GET or HEAD for an object: 304/412 by validators, 206/416 by range, else 200. */
export async function serveObject(req: Request, res: Response, object: ServableObject): Promise<void> {
  // node's setHeader, not express's res.set, which would append a charset to the stored Content-Type.
  res.setHeader('ETag', object.etag);
  res.setHeader('Last-Modified', new Date(object.lastModified).toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  if (object.cacheControl) res.setHeader('Cache-Control', object.cacheControl);
  if (object.surrogateKey) res.setHeader('Surrogate-Key', object.surrogateKey);
  const precondition = evaluatePreconditions(req.method, req.headers, object);
  if (precondition !== 'proceed') {
    object.release();
    res.status(precondition === 'not-modified' ? 304 : 412).end();
    return;
  }
  const range = req.method === 'GET' ? selectRange(req.headers, object.size, object) : 'whole';
  if (range === 'unsatisfiable') {
    object.release();
    res.status(416).set('Content-Range', `bytes */${object.size}`).type('text/plain').send('Range Not Satisfiable\n');
    return;
  }
  const { start, end } = range === 'whole' ? { start: 0, end: object.size - 1 } : range;
  res.status(range === 'whole' ? 200 : 206);
  if (range !== 'whole') res.setHeader('Content-Range', `bytes ${start}-${end}/${object.size}`);
  res.setHeader('Content-Type', object.contentType);
  res.setHeader('Content-Length', end - start + 1);
  if (req.method === 'HEAD' || object.size === 0) {
    object.release();
    res.end();
    return;
  }
  try {
    await pipeline(object.openBody(start, end), res);
  } catch {
    // The client hung up mid-body: nothing left to tell it.
    res.destroy();
  }
}
