import type { IncomingHttpHeaders } from 'node:http';
import { evaluatePreconditions } from '../../../http/preconditions.ts';
import type { ObjectMetadata } from '../../object-store.ts';
import { S3Error } from '../contract.ts';
import { s3Errors } from '../errors.ts';

/** The object x-amz-copy-source names: "[/]bucket/key", percent-encoded, perhaps with ?versionId=. */
export function parseCopySource(header: string | string[] | undefined): { bucket: string; key: string } {
  const value = Array.isArray(header) ? header[0] : header;
  const invalid = () => new S3Error('InvalidArgument', 400, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', {
    ArgumentName: 'x-amz-copy-source',
    ArgumentValue: value ?? '',
  });
  if (value === undefined) throw invalid();
  const [path, query] = value.split('?', 2) as [string, string | undefined];
  const versionId = new URLSearchParams(query ?? '').get('versionId');
  // Versioning is not offered: every object is the "null" version.
  if (versionId !== null && versionId !== 'null') throw s3Errors.notImplemented('x-amz-copy-source with a versionId');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.startsWith('/') ? path.slice(1) : path);
  } catch {
    throw invalid();
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalid();
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/**
 * x-amz-copy-source-if-match, -if-none-match, -if-unmodified-since, -if-modified-since: the
 * conditional GET's rules against the source, except that S3 answers every failure 412.
 */
export function checkCopySourceConditions(headers: IncomingHttpHeaders, source: ObjectMetadata): void {
  const prefix = 'x-amz-copy-source-';
  const conditional: IncomingHttpHeaders = {};
  for (const name of ['if-match', 'if-none-match', 'if-unmodified-since', 'if-modified-since'] as const) {
    const value = headers[prefix + name];
    if (typeof value === 'string') conditional[name] = value;
  }
  if (Object.keys(conditional).length === 0) return;
  if (evaluatePreconditions('GET', conditional, source) !== 'proceed') {
    throw s3Errors.preconditionFailed(`${prefix}${Object.keys(conditional).join(`, ${prefix}`)}`);
  }
}
