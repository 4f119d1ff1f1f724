import { isIP } from 'node:net';
import { S3Error } from './contract.ts';

/** S3's limit on a key: 1,024 bytes of UTF-8. */
export const MAX_S3_KEY_BYTES = 1024;

/**
 * Bucket names the origin refuses although S3 would take them: path-style `/gen/...` and
 * `/metrics` are cdnsim's own endpoints, and a bucket of that name would shadow them.
 */
const NAMES_OF_CDNSIM_ENDPOINTS = new Set(['gen', 'metrics']);

/** S3's general-purpose bucket naming rules; throws InvalidBucketName with the rule broken. */
export function checkBucketName(name: string): void {
  const refuse = (why: string) => {
    throw new S3Error('InvalidBucketName', 400, `The specified bucket is not valid: ${why}`, { BucketName: name });
  };
  if (name.length < 3 || name.length > 63) refuse('it must be 3 to 63 characters long');
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    refuse('only lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit');
  }
  if (name.includes('..')) refuse('two adjacent dots');
  if (isIP(name) !== 0) refuse('it may not be formatted as an IP address');
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) refuse('a prefix S3 reserves');
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) refuse('a suffix S3 reserves');
  if (NAMES_OF_CDNSIM_ENDPOINTS.has(name)) refuse(`"${name}" is the path of one of cdnsim's own endpoints`);
}

/**
 * S3 accepts nearly any UTF-8 key, and so does this origin, since the store names its files by
 * the key's SHA-256 and no key can reach a path outside the data directory. Refused are only
 * what S3 itself refuses (over 1,024 bytes) and keys that would harm the clients that copy
 * objects to files (aws s3 sync, rclone, s3cmd turn keys into local paths): a `.` or `..` path
 * segment, which such a client could resolve outside its target folder, and NUL, which no file
 * name may hold (and which the store uses to keep S3's namespace apart from cdnsim's keys).
 */
export function checkObjectKey(key: string): void {
  if (key.length === 0) throw s3KeyError('InvalidArgument', 'The key may not be empty.', key);
  if (Buffer.byteLength(key) > MAX_S3_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', 400, 'Your key is too long', { MaxSizeAllowed: String(MAX_S3_KEY_BYTES) });
  }
  if (key.includes('\u0000')) throw s3KeyError('InvalidArgument', 'The key may not contain NUL.', key);
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw s3KeyError('InvalidArgument', 'The key may not have a "." or ".." path segment.', key);
  }
}

function s3KeyError(code: string, message: string, key: string): S3Error {
  // The key is echoed percent-encoded: it may hold characters an XML document cannot carry.
  return new S3Error(code, 400, message, { ArgumentName: 'key', ArgumentValue: encodeURIComponent(key) });
}
