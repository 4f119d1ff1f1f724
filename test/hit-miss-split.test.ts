import { describe, expect, it } from 'vitest';
import { splitHitMissCost } from '../src/loadgen/hit-miss-split.ts';

describe('splitHitMissCost', () => {
  it('recovers the per-hit and per-miss cost from edges with different hit ratios', () => {
    const perHit = 50e-6, perMiss = 400e-6;
    const edges = [[900, 100], [500, 500], [200, 800]].map(([hits, misses]) => ({ hits: hits!, misses: misses!, cpuSeconds: hits! * perHit + misses! * perMiss }));
    const split = splitHitMissCost(edges)!;
    expect(split.perHit).toBeCloseTo(perHit, 9);
    expect(split.perMiss).toBeCloseTo(perMiss, 9);
  });

  it('declines when every edge has the same hit ratio, or the fit goes negative', () => {
    expect(splitHitMissCost([{ hits: 80, misses: 20, cpuSeconds: 1 }, { hits: 160, misses: 40, cpuSeconds: 2 }])).toBeNull();
    expect(splitHitMissCost([{ hits: 100, misses: 0, cpuSeconds: 2 }, { hits: 0, misses: 100, cpuSeconds: 0 }, { hits: 50, misses: 50, cpuSeconds: -1 }])).toBeNull();
    expect(splitHitMissCost([])).toBeNull();
  });
});
