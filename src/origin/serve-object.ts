import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { evaluatePreconditions, selectRange } from '../http/preconditions.ts';
import type { ServableObject } from './servable-object.ts';

/**
 * Answers GET or HEAD for an object: 304/412 by validators, 206/416 by range, else 200. Plain
 * node:http, so that the synthetic fast path and the express routes share it.
 */
export async function serveObject(req: IncomingMessage, res: ServerResponse, object: ServableObject): Promise<void> {
  res.setHeader('ETag', object.etag);
  res.setHeader('Last-Modified', new Date(object.lastModified).toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  if (object.cacheControl) res.setHeader('Cache-Control', object.cacheControl);
  if (object.surrogateKey) res.setHeader('Surrogate-Key', object.surrogateKey);
  const precondition = evaluatePreconditions(req.method ?? 'GET', req.headers, object);
  if (precondition !== 'proceed') {
    object.release();
    res.statusCode = precondition === 'not-modified' ? 304 : 412;
    res.end();
    return;
  }
  const range = req.method === 'GET' ? selectRange(req.headers, object.size, object) : 'whole';
  if (range === 'unsatisfiable') {
    object.release();
    const body = 'Range Not Satisfiable\n';
    res.writeHead(416, { 'Content-Range': `bytes */${object.size}`, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const { start, end } = range === 'whole' ? { start: 0, end: object.size - 1 } : range;
  res.statusCode = range === 'whole' ? 200 : 206;
  if (range !== 'whole') res.setHeader('Content-Range', `bytes ${start}-${end}/${object.size}`);
  res.setHeader('Content-Type', object.contentType);
  res.setHeader('Content-Length', end - start + 1);
  if (req.method === 'HEAD' || object.size === 0) {
    object.release();
    res.end();
    return;
  }
  if (object.bodyBytes !== undefined) {
    res.end(object.bodyBytes(start, end));
    object.release();
    return;
  }
  try {
    await pipeline(object.openBody(start, end), res);
  } catch {
    // The client hung up mid-body: nothing left to tell it.
    res.destroy();
  }
}
