import type { NextFunction, Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';

/**
 * The HTTP status an error carries when it is the client's fault: express 5's router throws a
 * URIError marked 400 for a path parameter it cannot percent-decode, and http-errors (body
 * parsers, send) mark theirs with `status` or `statusCode`. Undefined for anything else.
 */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code === 'number' && Number.isInteger(code) && code >= 400 && code < 500) return code;
  return error instanceof URIError ? 400 : undefined;
}

/** A short, fixed reason: error messages may echo the request or name the origin's internals. */
function clientErrorBody(status: number, error: unknown): string {
  if (error instanceof URIError) return 'Bad Request: malformed percent-encoding';
  return STATUS_CODES[status] ?? 'Client Error';
}

/**
 * Last middleware of the origin: a client's error becomes its 4xx with a one-line body, and only
 * a real bug (anything else) is logged and answered 500. Express 5 forwards rejected promises of
 * the route handlers here, so the process keeps serving either way.
 */
export function originErrorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = clientErrorStatus(error);
  if (status === undefined) console.error('origin error:', error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res
    .status(status ?? 500)
    .type('text/plain')
    .send(`${status === undefined ? 'Internal Server Error' : clientErrorBody(status, error)}\n`);
}
