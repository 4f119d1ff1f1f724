import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendText } from '../net/plain-response.ts';
import type { OriginRequestMeter } from './metrics.ts';
import { serveObject } from './serve-object.ts';
import { syntheticObject } from './synthetic.ts';

/** `/gen/<id>` with an optional query, where the id needs no decoding: what load tests send. */
const PLAIN_SYNTHETIC_TARGET = /^\/gen\/([A-Za-z0-9._-]{1,128})(?:\?(.*))?$/s;

/**
 * Answers a well-formed GET or HEAD of a synthetic object without express, whose routing cost
 * more than the object itself on a miss; returns false, having done nothing, for anything else
 * (bad parameters, other methods, encoded ids), which the express app answers as before.
 */
export function serveSyntheticDirectly(req: IncomingMessage, res: ServerResponse, meter: OriginRequestMeter): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const match = PLAIN_SYNTHETIC_TARGET.exec(req.url ?? '');
  if (match === null) return false;
  const result = syntheticObject(match[1]!, new URLSearchParams(match[2] ?? ''));
  if ('error' in result) return false;
  meter(req, res);
  serveObject(req, res, result.object).catch((error: unknown) => answerBug(res, error));
  return true;
}

/** What the app's error handler does for a bug: log it, 500 if nothing was sent yet, else cut. */
function answerBug(res: ServerResponse, error: unknown): void {
  console.error('origin error:', error);
  sendText(res, 500, 'Internal Server Error');
}
