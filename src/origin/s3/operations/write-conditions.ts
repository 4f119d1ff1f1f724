import type { IncomingHttpHeaders } from 'node:http';
import type { WritePrecondition } from '../bucket-store.ts';
import { s3Errors } from '../errors.ts';

/**
 * S3's conditional writes: `If-None-Match: *` stores only if no object has the key (else 412);
 * `If-Match: <etag>` stores only over that version (412 when another, 404 NoSuchKey when none).
 * Checked under the key's lock, so of two racing conditional writes exactly one wins.
 */
export function writePreconditionOf(headers: IncomingHttpHeaders, key: string): WritePrecondition | undefined {
  const ifNoneMatch = headers['if-none-match'];
  const ifMatch = headers['if-match'];
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw s3Errors.notImplemented('If-None-Match on a write other than *');
  }
  return (current) => {
    if (ifNoneMatch !== undefined && current !== undefined) throw s3Errors.preconditionFailed('If-None-Match');
    if (ifMatch === undefined) return;
    if (current === undefined) throw s3Errors.noSuchKey(key);
    const wanted = ifMatch.split(',').map((tag) => tag.trim());
    if (!wanted.includes('*') && !wanted.includes(current.etag)) throw s3Errors.preconditionFailed('If-Match');
  };
}
