import { pipeline } from 'node:stream/promises';
import { evaluatePreconditions, selectRange } from '../../../http/preconditions.ts';
import { S3Error } from '../contract.ts';
import { s3Errors } from '../errors.ts';
import { bucketOf, keyOf, type S3OperationHandler } from './context.ts';
import { setChecksumHeaders, setObjectHeaders } from './object-headers.ts';

/**
 * GetObject and HeadObject: 304 or 412 by the conditional headers (RFC 9110's order, which is
 * S3's: If-Match before If-Unmodified-Since, If-None-Match before If-Modified-Since), 206 or 416
 * by Range, else 200. Checksums are sent only for the whole object, as S3 does.
 */
export const getObject: S3OperationHandler = async (request, { buckets, res }) => {
  const key = keyOf(request);
  const object = await buckets.get(bucketOf(request), key);
  if (!object) throw s3Errors.noSuchKey(key);
  let released = false;
  try {
    const precondition = evaluatePreconditions(request.method, request.headers, object);
    if (precondition === 'failed') {
      throw s3Errors.preconditionFailed(request.headers['if-match'] !== undefined ? 'If-Match' : 'If-Unmodified-Since');
    }
    setObjectHeaders(res, object, request.query);
    if (precondition === 'not-modified') {
      // A 304 carries the validators, not the representation's own headers.
      for (const name of ['Content-Type', 'Content-Encoding', 'Content-Disposition']) res.removeHeader(name);
      res.statusCode = 304;
      res.end();
      return;
    }
    const range = request.method === 'GET' ? selectRange(request.headers, object.size, object) : 'whole';
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${object.size}`);
      throw new S3Error('InvalidRange', 416, 'The requested range is not satisfiable', {
        RangeRequested: String(request.headers.range),
        ActualObjectSize: String(object.size),
      });
    }
    if (range === 'whole') setChecksumHeaders(res, object, request.headers);
    const { start, end } = range === 'whole' ? { start: 0, end: object.size - 1 } : range;
    res.statusCode = range === 'whole' ? 200 : 206;
    if (range !== 'whole') res.setHeader('Content-Range', `bytes ${start}-${end}/${object.size}`);
    res.setHeader('Content-Length', end - start + 1);
    if (request.method === 'HEAD' || object.size === 0) {
      res.end();
      return;
    }
    released = true;
    try {
      await pipeline(object.openBody(start, end), res);
    } catch {
      // The client hung up mid-body: nothing left to tell it.
      res.destroy();
    }
  } finally {
    if (!released) object.release();
  }
};
