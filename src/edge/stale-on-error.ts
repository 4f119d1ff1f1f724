import type { HttpCache } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';

/**
 * Directives under which a shared cache must not serve the entry stale at all (RFC 9111 section
 * 4.2.4): must-revalidate, proxy-revalidate, no-cache, and s-maxage, which carries
 * proxy-revalidate's meaning for a shared cache (section 5.2.2.10).
 */
const FORBIDS_STALE = /(?:^|,)\s*(?:must-revalidate|proxy-revalidate|no-cache|s-maxage)\b/i;

export interface StaleOnErrorRules {
  cache: HttpCache;
  /** Serve stale entries when the origin fails even without stale-if-error, as CloudFront does. */
  serveStaleOnOriginError: boolean;
}

/** How a stale entry may stand in for an origin that failed, if it may: why, for Cache-Status. */
export function staleStandIn(rules: StaleOnErrorRules, entry: StoredResponse): 'stale-if-error' | 'origin-error' | undefined {
  if (rules.cache.usableOnError(entry)) return 'stale-if-error';
  if (!rules.serveStaleOnOriginError) return undefined;
  const cacheControl = entry.policy.responseHeaders()['cache-control'];
  const directives = Array.isArray(cacheControl) ? cacheControl.join(', ') : (cacheControl ?? '');
  return FORBIDS_STALE.test(directives) ? undefined : 'origin-error';
}
