/**
 * The path the edges are asked for, from a request target as RFC 9112 section 3.2 allows it:
 * origin-form (`/path?query`) as is, absolute-form (`http://host/path`, which HTTP/1.1 servers
 * must accept) reduced to its path and query. Anything else (`*`, authority-form, garbage) is
 * undefined: the client's mistake, answered 400 before any edge is involved.
 */
export function originFormTarget(target: string): string | undefined {
  if (target.startsWith('/')) return target;
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}
