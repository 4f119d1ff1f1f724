import { parseDictionary, Token, type BareItem } from 'structured-headers';

/** Cache directives as http-cache-semantics holds them: name -> value, or true when valueless. */
export type Directives = Record<string, string | true>;

/** The field aimed at cdnsim's caches alone (RFC 9213 section 2), unless a topology renames it. */
export const DEFAULT_CDNSIM_FIELD = 'cdnsim-cache-control';

/**
 * The targeted fields an edge obeys, most specific first (RFC 9213 section 2.2): its own field,
 * then CDN-Cache-Control, which every CDN obeys. Cache-Control is the fallback, not on the list.
 */
export function targetList(cdnsimField: string = DEFAULT_CDNSIM_FIELD): readonly string[] {
  const own = cdnsimField.toLowerCase();
  return own === 'cdn-cache-control' ? ['cdn-cache-control'] : [own, 'cdn-cache-control'];
}

/** Directives whose value, when present, must be a non-negative Integer (delta-seconds). */
const SECONDS_DIRECTIVES = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error']);

/**
 * The directives of the first targeted field in `targets` that is present with a valid, non-empty
 * value, or undefined when Cache-Control and Expires govern as usual. A targeted field is a
 * Structured Fields Dictionary (RFC 9213 section 2.1); one that does not parse, or gives a
 * delta-seconds directive a non-integer, is ignored as a whole, and the next one is tried.
 */
export function targetedDirectives(
  headers: Record<string, string | string[] | undefined>,
  targets: readonly string[],
): { field: string; directives: Directives } | undefined {
  for (const field of targets) {
    const raw = headers[field];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value === undefined || value.trim() === '') continue;
    const directives = parseTargeted(value);
    if (directives && Object.keys(directives).length > 0) return { field, directives };
  }
  return undefined;
}

function parseTargeted(value: string): Directives | undefined {
  let dictionary;
  try {
    dictionary = parseDictionary(value);
  } catch {
    return undefined;
  }
  const directives: Directives = {};
  for (const [name, member] of dictionary) {
    const item = member[0];
    if (Array.isArray(item)) return undefined; // an inner list is no cache directive value
    const bare = item as BareItem;
    if (SECONDS_DIRECTIVES.has(name)) {
      if (typeof bare !== 'number' || !Number.isInteger(bare) || bare < 0) return undefined;
      directives[name] = String(bare);
    } else if (bare === true) {
      directives[name] = true;
    } else if (typeof bare === 'string' || typeof bare === 'number' || bare instanceof Token) {
      directives[name] = String(bare);
    } else {
      return undefined;
    }
  }
  return directives;
}

/** Cache-Control directives with their names lowercased: directive names are case-insensitive (RFC 9111 section 5.2). */
export function lowercaseDirectives(directives: Directives): Directives {
  let lower = true;
  for (const name in directives) if (name !== name.toLowerCase()) lower = false;
  if (lower) return directives;
  const out: Directives = {};
  for (const name in directives) {
    const value = directives[name];
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

/** Cache-Control parsed as http-cache-semantics does, names lowercased; repeated lines are one list. */
export function cacheControlDirectives(value: string | string[] | undefined): Directives {
  const text = Array.isArray(value) ? value.join(', ') : value;
  const directives: Directives = {};
  if (!text) return directives;
  for (const part of text.split(',')) {
    const [name, directiveValue] = part.split('=', 2);
    const key = (name ?? '').trim().toLowerCase();
    if (key) directives[key] = directiveValue === undefined ? true : directiveValue.trim().replace(/^"|"$/g, '');
  }
  return directives;
}
