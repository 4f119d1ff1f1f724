import CachePolicy from 'http-cache-semantics';
import type { Clock } from './clock.ts';
import { parseHttpDate } from './http-date.ts';
import { cacheControlDirectives, lowercaseDirectives, targetedDirectives, type Directives } from './targeted-cache-control.ts';
import { libraryStores, understoodStatus } from './status-cacheability.ts';

export type PolicyConstructor = new (
  req: CachePolicy.Request,
  res: CachePolicy.Response,
  options?: CachePolicy.Options,
) => CachePolicy;

type Headers = Record<string, string | string[] | undefined>;

/**
 * The library's parsed state that this wrapper corrects. Not in its type declarations; every
 * freshness and storability rule in the library reads these two fields.
 */
interface PolicyInternals {
  _rescc: Directives;
  _resHeaders: Headers;
}

/** The origin's own Expires, kept for delivery while the library judges a normalised (or no) Expires. */
const ORIGINAL_EXPIRES = 'x-cdnsim-original-expires';
const DELTA_SECONDS = /^\s*\d+\s*$/;
/** What an invalid Expires means to a cache (RFC 9111 section 5.3): already expired. */
const EXPIRED = new Date(0).toUTCString();

/**
 * http-cache-semantics, with the corrections a shared cache needs, made on its inputs and outputs:
 * - time comes from an injected clock (its `now()`), so every decision is replayable, e.g. a trace's;
 * - directive names are case-insensitive;
 * - a valid targeted field (RFC 9213: the cdnsim field, then CDN-Cache-Control) replaces
 *   Cache-Control and Expires for this cache, while clients still get both as the origin sent them;
 * - Expires is read as an HTTP-date strictly, anything else meaning already expired;
 * - any final status with explicit freshness is storable (RFC 9111 section 3), not only the ones
 *   the library knows, and must-understand is obeyed;
 * - a stored response keeps the origin's Date (RFC 9110 section 6.6.1).
 * The library builds revalidated policies with `new this.constructor`, so all of it carries over.
 */
export function clockedPolicyClass(clock: Clock, targets: readonly string[] = []): PolicyConstructor {
  const ownField = targets.find((field) => field !== 'cdn-cache-control');
  return class ClockedPolicy extends CachePolicy {
    constructor(req: CachePolicy.Request, res: CachePolicy.Response, options?: CachePolicy.Options) {
      const original = res.headers as Headers;
      const targeted = targetedDirectives(original, targets);
      const headers = judgedHeaders(original, targeted !== undefined, clock());
      const status = res.status ?? 200;
      // The library refuses statuses it does not list; present such a response to it as a 200, which
      // it judges by the same explicit-freshness rules (heuristics included only when public).
      const judgedStatus =
        libraryStores(status) || !storableByDirectives(status, targeted?.directives ?? cacheControlDirectives(headers['cache-control']), headers)
          ? status
          : 200;
      super(req, { ...res, status: judgedStatus, headers: headers as CachePolicy.Headers }, options);
      const internals = this as unknown as PolicyInternals;
      internals._rescc = targeted ? { ...targeted.directives } : lowercaseDirectives(internals._rescc);
      // must-understand (RFC 9111 section 5.2.2.3): no-store yields to it for a status this cache understands.
      if (internals._rescc['must-understand'] !== undefined) {
        if (understoodStatus(status)) delete internals._rescc['no-store'];
        else internals._rescc['no-store'] = true;
      }
    }

    // Not in the type declarations, but the method every time check in the library goes through.
    now(): number {
      return clock();
    }

    override responseHeaders(): CachePolicy.Headers {
      const headers = super.responseHeaders();
      const stored = (this as unknown as PolicyInternals)._resHeaders;
      delete headers['expires'];
      const expires = stored[ORIGINAL_EXPIRES];
      delete headers[ORIGINAL_EXPIRES];
      if (expires !== undefined) headers['expires'] = expires;
      // The library stamps the current time; Date is when the origin made the response.
      const date = stored['date'];
      if (date !== undefined) headers['date'] = date;
      // cdnsim's own field targets this cache alone; CDN-Cache-Control goes on, for any CDN behind us.
      if (ownField) delete headers[ownField];
      return headers;
    }
  };
}

/** The cache directives that govern this cache for a policy: the targeted field's, else Cache-Control's. */
export function directivesOf(policy: CachePolicy): Directives {
  return (policy as unknown as PolicyInternals)._rescc;
}

/**
 * The headers the library judges: an Age that is not delta-seconds ignored (RFC 9111 section 5.1;
 * the library would read "7200.0" as 7200), Expires as a canonical date (or the epoch when invalid, or none
 * when a targeted field governs), the origin's value kept aside for delivery. A revalidated
 * policy comes back through here with the merged headers: a normalised value is recognised as
 * ours, anything else is a new Expires from the 304.
 */
function judgedHeaders(headers: Headers, targeted: boolean, now: number): Headers {
  // The usual response needs no copy: no Expires, one Cache-Control line, a plain Age.
  const age = headers['age'];
  if (
    headers['expires'] === undefined &&
    headers[ORIGINAL_EXPIRES] === undefined &&
    !Array.isArray(headers['cache-control']) &&
    (age === undefined || (typeof age === 'string' && DELTA_SECONDS.test(age)))
  ) {
    return headers;
  }
  const current = headers['expires'];
  const kept = headers[ORIGINAL_EXPIRES];
  let original = current;
  if (kept !== undefined && (current === undefined || current === normalisedExpires(kept, now))) original = kept;
  const { expires: _expires, [ORIGINAL_EXPIRES]: _kept, ...rest } = headers;
  // The library trims Cache-Control as one string; repeated lines are one list (RFC 9110 section 5.3).
  if (Array.isArray(rest['cache-control'])) rest['cache-control'] = rest['cache-control'].join(', ');
  if (typeof rest['age'] === 'string' && !DELTA_SECONDS.test(rest['age'])) delete rest['age'];
  if (original === undefined) return rest;
  if (targeted) return { ...rest, [ORIGINAL_EXPIRES]: original };
  return { ...rest, expires: normalisedExpires(original, now), [ORIGINAL_EXPIRES]: original };
}

function normalisedExpires(value: string | string[], now: number): string {
  // Two Expires lines are an invalid value, as is anything but one HTTP-date.
  const ms = Array.isArray(value) ? NaN : parseHttpDate(value.trim(), now);
  return Number.isNaN(ms) ? EXPIRED : new Date(ms).toUTCString();
}

function storableByDirectives(status: number, directives: Directives, headers: Headers): boolean {
  if (status < 200 || status === 206 || status === 304) return false;
  return (
    directives['max-age'] !== undefined ||
    directives['s-maxage'] !== undefined ||
    directives['public'] !== undefined ||
    headers['expires'] !== undefined
  );
}
