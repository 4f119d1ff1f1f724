/** The longest key accepted, in bytes of its URL form. */
export const MAX_KEY_LENGTH = 1024;

export type KeyResult = { key: string } | { error: string };

/**
 * Turns a request path into an object key, refusing anything that could be read as a different
 * path on a file system: dot segments, encoded slashes or backslashes, empty segments (`//x`),
 * control characters and NUL, raw or percent-encoded. Keys never become file paths (the store
 * hashes them); this check is so clients learn early that such a key is not an object name.
 */
export function parseObjectKey(pathname: string): KeyResult {
  if (!pathname.startsWith('/')) return { error: 'the path must start with /' };
  const raw = pathname.slice(1);
  if (raw.length === 0) return { error: 'empty key' };
  if (raw.length > MAX_KEY_LENGTH) return { error: `key longer than ${MAX_KEY_LENGTH} bytes` };
  if (raw.includes('\\')) return { error: 'backslash in key' };
  const segments: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '') return { error: 'empty path segment (// or a trailing /)' };
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { error: 'malformed percent-encoding' };
    }
    if (decoded.includes('/') || decoded.includes('\\')) return { error: 'encoded slash or backslash in key' };
    // Control characters, NUL included, have no place in an object name.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(decoded)) return { error: 'control character in key' };
    if (decoded === '.' || decoded === '..') return { error: 'dot segment (. or ..) in key' };
    segments.push(decoded);
  }
  return { key: segments.join('/') };
}
