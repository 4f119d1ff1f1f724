/**
 * The simulator's policies an edge can evict with: every one that decides from the past alone.
 * Kept apart from the implementations so the topology schema can name them without loading them.
 */
export const LIVE_POLICIES = ['lru', 'fifo', 'clock', 'sieve', 's3fifo', 'lfu', 'arc'] as const;

export type LivePolicy = (typeof LIVE_POLICIES)[number];

/** Simulator policies a live cache cannot run, with the reason a user is told. */
const SIMULATION_ONLY: Readonly<Record<string, string>> = {
  belady: 'needs the future (when each object will next be requested), so it is simulation-only',
};

export function isLivePolicy(name: string): name is LivePolicy {
  return (LIVE_POLICIES as readonly string[]).includes(name);
}

/** Why `name` cannot evict for a live cache, or undefined when it can. */
export function livePolicyProblem(name: string): string | undefined {
  if (isLivePolicy(name)) return undefined;
  const reason = SIMULATION_ONLY[name];
  if (reason !== undefined) return `"${name}" ${reason}`;
  return `unknown policy "${name}" (known: ${LIVE_POLICIES.join(', ')})`;
}
