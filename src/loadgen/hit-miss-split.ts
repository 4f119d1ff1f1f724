/** One edge over the measured phase: its hits, its other responses, and the CPU seconds it used. */
export interface EdgeCostSample {
  hits: number;
  misses: number;
  cpuSeconds: number;
}

/**
 * Splits edge CPU into a cost per hit and a cost per miss by least squares over the edges
 * (cpu = perHit * hits + perMiss * misses, no intercept). Null when the edges cannot tell the two
 * apart (all with nearly the same hit ratio, or fewer than two) or the fit goes negative, which
 * says the noise is bigger than the difference.
 */
export function splitHitMissCost(samples: EdgeCostSample[]): { perHit: number; perMiss: number } | null {
  let hh = 0, hm = 0, mm = 0, hc = 0, mc = 0;
  for (const { hits, misses, cpuSeconds } of samples) {
    hh += hits * hits;
    hm += hits * misses;
    mm += misses * misses;
    hc += hits * cpuSeconds;
    mc += misses * cpuSeconds;
  }
  const determinant = hh * mm - hm * hm;
  // Relative to its scale, a determinant this small means the hit ratios are all but equal.
  if (!(determinant > 1e-3 * hh * mm)) return null;
  const perHit = (hc * mm - mc * hm) / determinant;
  const perMiss = (mc * hh - hc * hm) / determinant;
  if (perHit < 0 || perMiss < 0) return null;
  return { perHit, perMiss };
}
