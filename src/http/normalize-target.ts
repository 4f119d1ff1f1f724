/**
 * The one spelling of a request target that the cache keys on, forwards and purges by: RFC 3986
 * section 6.2.2 syntax-based normalisation of the path (percent-encodings in upper case, encoded
 * unreserved characters decoded, `.` and `..` segments removed). Two spellings that every
 * conforming server must treat alike then share one cache entry and one purge, and a client
 * cannot keep a purged object alive under another spelling. Case is kept (`/A` and `/a` are
 * different resources), and so is the query string, byte for byte, as CloudFront keeps it.
 */
export function normalizeTarget(target: string): string | undefined {
  if (!target.startsWith('/')) return undefined;
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt);
  const decoded = normalizePercentEncoding(path);
  if (decoded === undefined) return undefined;
  return removeDotSegments(decoded) + query;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Upper-cases every %xx and decodes the ones that stand for unreserved characters; undefined for a bad %. */
function normalizePercentEncoding(path: string): string | undefined {
  if (!path.includes('%')) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    if (char !== '%') {
      out += char;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const decoded = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** RFC 3986 section 5.2.4, on an absolute path. */
export function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const output: string[] = [];
  const segments = path.split('/').slice(1);
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') output.pop();
      // A trailing dot segment still names a directory: "/a/b/.." is "/a/".
      if (last) output.push('');
      continue;
    }
    output.push(segment);
  }
  return `/${output.join('/')}`;
}
