import type { IncomingHttpHeaders } from 'node:http';

/**
 * The Content-Encoding to store with an object: the request's, less aws-chunked (S3 drops that
 * transfer framing, so `Content-Encoding: aws-chunked,gzip` stores gzip); undefined when none is left.
 */
export function storedContentEncoding(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['content-encoding'];
  if (value === undefined) return undefined;
  const kept = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding.toLowerCase() !== 'aws-chunked');
  return kept.length > 0 ? kept.join(',') : undefined;
}
