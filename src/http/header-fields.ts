/**
 * Repeated header field lines in a response, combined once as RFC 9110 section 5.3 says, so that
 * nothing downstream (cache rules, header copying, the client) ever sees a name with several values.
 *
 * HTTP clients such as undici hand over a field sent on several lines as an array; cache logic
 * (http-cache-semantics among it) expects one string per name. Call this on every response head
 * read from an upstream server, before any other code looks at it.
 */

/** Fields that frame the message: differing values make the whole response unusable (RFC 9112 section 6.3). */
const FRAMING = new Set(['content-length', 'content-range']);

/**
 * Singleton fields (RFC 9110 section 5.5: a sender must not repeat them) and what a repeat with
 * differing values means:
 * - `first`: RFC 9111 section 5.1 says a cache uses the first member of a list-valued Age.
 * - `expired`: RFC 9111 section 5.3: an invalid Expires means already expired.
 * - `drop`: the field is invalid and ignored, as if the origin had not sent it. For ETag and
 *   Last-Modified this means no validator of that kind: revalidating with either of two values
 *   could make a 304 confirm a body it never described.
 */
const SINGLETONS: ReadonlyMap<string, 'first' | 'expired' | 'drop'> = new Map([
  ['age', 'first'],
  ['expires', 'expired'],
  ['etag', 'drop'],
  ['last-modified', 'drop'],
  ['date', 'drop'],
  ['location', 'drop'],
  ['content-location', 'drop'],
  ['content-type', 'drop'],
  ['retry-after', 'drop'],
  ['access-control-allow-origin', 'drop'],
]);

/** What an invalid Expires stands for: a time in the past (RFC 9111 section 5.3 gives "0" as the example). */
export const ALREADY_EXPIRED = '0';

/** Set-Cookie is the one field that cannot be combined (RFC 9110 section 5.3): it stays one value per line. */
const KEPT_AS_LINES = new Set(['set-cookie']);

export type CombinedFields =
  | { ok: true; headers: Record<string, string | string[]> }
  | { ok: false; problem: string };

/** A response whose head cannot be trusted; a proxy answers 502 for it. */
export class InvalidResponseHeadError extends Error {
  override name = 'InvalidResponseHeadError';
}

/**
 * Combines a response head's repeated fields: list-based fields joined with ", ", Set-Cookie kept
 * as lines, singletons collapsed when the copies agree and otherwise handled as SINGLETONS says,
 * and differing framing fields reported as a problem. Names are expected in lower case.
 */
export function combineFieldLines(headers: Readonly<Record<string, string | string[] | undefined>>): CombinedFields {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (KEPT_AS_LINES.has(name)) {
      out[name] = value;
      continue;
    }
    const lines = (Array.isArray(value) ? value : [value]).map((line) => line.trim());
    if (FRAMING.has(name)) {
      const distinct = new Set(lines.flatMap((line) => (name === 'content-length' ? line.split(',') : [line])).map((item) => item.trim()));
      if (distinct.size !== 1) return { ok: false, problem: `${lines.length} differing ${name} values` };
      out[name] = [...distinct][0]!;
      continue;
    }
    const singleton = SINGLETONS.get(name);
    if (singleton === undefined) {
      out[name] = lines.join(', ');
      continue;
    }
    const combined = combineSingleton(singleton, lines);
    if (combined !== undefined) out[name] = combined;
  }
  return { ok: true, headers: out };
}

function combineSingleton(rule: 'first' | 'expired' | 'drop', lines: readonly string[]): string | undefined {
  if (rule === 'first') return lines[0]!.split(',')[0]!.trim();
  if (lines.every((line) => line === lines[0])) return lines[0];
  return rule === 'expired' ? ALREADY_EXPIRED : undefined;
}

/** combineFieldLines for callers that treat a bad head as an error (thrown as InvalidResponseHeadError). */
export function combinedOrThrow(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string | string[]> {
  const combined = combineFieldLines(headers);
  if (!combined.ok) throw new InvalidResponseHeadError(`invalid response head: ${combined.problem}`);
  return combined.headers;
}
