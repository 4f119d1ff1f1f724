import type { FunctionOrigin } from './types.ts';

/**
 * A function may change the origin's path, not the origin itself. Refused, rather than fetched:
 * the edge's fetch path (one keep-alive pool, S3 signing, the cache's collapsing of misses) is
 * bound to its one configured origin, a host a function names would let code uploaded to the
 * edge reach any address the edge's host can (server-side request forgery), and the offline
 * simulator has no model of a second origin, so live and offline could not agree. Both the
 * live edge (src/edge/function-messages.ts) and the simulator refuse it with this check.
 */
export function originChangeProblem(configured: FunctionOrigin | undefined, requested: FunctionOrigin | undefined): string | undefined {
  if (!requested || !configured) return undefined;
  const same = requested.domainName === configured.domainName && requested.port === configured.port && requested.protocol === configured.protocol;
  if (same) return undefined;
  const name = (origin: FunctionOrigin): string => `${origin.protocol}://${origin.domainName}:${origin.port}`;
  return `request.origin.custom may change the path only: cdnsim's edge fetches from its configured origin ${name(configured)}, not ${name(requested)}`;
}
