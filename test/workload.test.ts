import geoip from 'geoip-lite';
import { describe, expect, it } from 'vitest';
import { CountryAddressSampler } from '../src/workload/country-addresses.ts';
import { parseCountryWeights } from '../src/workload/country-weights.ts';
import { createRandom } from '../src/workload/random.ts';
import { parseSizeDistribution, sizeFor } from '../src/workload/size-distribution.ts';
import { Workload } from '../src/workload/workload.ts';
import { ZipfSampler } from '../src/workload/zipf.ts';

const addresses = CountryAddressSampler.load();

describe('Zipf popularity', () => {
  it('draws ranks with the frequencies 1/(k+1)^alpha predicts', () => {
    const zipf = new ZipfSampler(1000, 0.8);
    const random = createRandom(7);
    const counts = new Array<number>(1000).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[zipf.sample(random)]!++;
    let total = 0;
    for (let k = 0; k < 1000; k++) total += zipf.probability(k);
    expect(total).toBeCloseTo(1, 9);
    for (const k of [0, 1, 9, 99]) {
      const expected = zipf.probability(k) * draws;
      expect(Math.abs(counts[k]! - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
    expect(zipf.probability(0) / zipf.probability(9)).toBeCloseTo(10 ** 0.8, 6);
  });

  it('refuses alpha <= 0 and an empty catalogue', () => {
    expect(() => new ZipfSampler(10, 0)).toThrow(/alpha must be > 0/);
    expect(() => new ZipfSampler(0, 1)).toThrow(/at least one object/);
  });
});

describe('object sizes', () => {
  it('keeps bounded Pareto sizes within their bounds, mostly small', () => {
    const pareto = parseSizeDistribution('pareto:1000:10000000:1.2');
    const random = createRandom(3);
    const sizes = Array.from({ length: 20_000 }, () => sizeFor(pareto, random.next()));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10_000_000);
    const median = [...sizes].sort((a, b) => a - b)[10_000]!;
    // Median of a Pareto(1.2) from 1000 bytes is 1000 * 2^(1/1.2), about 1780.
    expect(median).toBeGreaterThan(1600);
    expect(median).toBeLessThan(2000);
  });

  it('parses fixed sizes and rejects nonsense', () => {
    expect(parseSizeDistribution('1024')).toEqual({ kind: 'fixed', bytes: 1024 });
    expect(parseSizeDistribution('fixed:10')).toEqual({ kind: 'fixed', bytes: 10 });
    expect(() => parseSizeDistribution('pareto:10:5:1')).toThrow(/MIN <= MAX/);
    expect(() => parseSizeDistribution('lognormal:1')).toThrow(/unknown size distribution/);
  });
});

describe('workload', () => {
  const options = {
    objects: 10_000,
    alpha: 0.8,
    sizes: parseSizeDistribution('pareto:500:1000000:1.2'),
    ttlSeconds: [60, 300, 3600],
    uncacheableShare: 0.1,
    seed: 42,
  };

  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Workload(options, addresses);
    const b = new Workload(options, addresses);
    const c = new Workload({ ...options, seed: 43 }, addresses);
    const take = (workload: Workload) => Array.from({ length: 50 }, () => workload.next());
    const first = take(a);
    expect(take(b)).toEqual(first);
    expect(take(c)).not.toEqual(first);
  });

  it('gives every request for an object the same size, TTL and cacheability', () => {
    const workload = new Workload(options, addresses);
    const seen = new Map<string, string>();
    for (let i = 0; i < 5_000; i++) {
      const request = workload.next();
      const shape = `${request.bytes}/${request.ttl}/${request.cacheable}`;
      expect(seen.get(request.key) ?? shape).toBe(shape);
      seen.set(request.key, shape);
      expect(request.path).toBe(`/gen/${request.key}?bytes=${request.bytes}&ttl=${request.ttl}${request.cacheable ? '' : '&nostore=1'}`);
    }
    const uncacheable = [...seen.values()].filter((shape) => shape.endsWith('false')).length / seen.size;
    expect(uncacheable).toBeGreaterThan(0.05);
    expect(uncacheable).toBeLessThan(0.15);
  });

  it('spreads clients over countries by weight, each with a real address of its country', () => {
    const workload = new Workload({ ...options, countries: parseCountryWeights('US:3,DE:1,JP:1') }, addresses);
    const byCountry = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      const request = workload.next();
      byCountry.set(request.country, (byCountry.get(request.country) ?? 0) + 1);
      if (i < 200) expect(geoip.lookup(request.clientIp)?.country, request.clientIp).toBe(request.country);
    }
    expect(byCountry.get('US')! / 2_000).toBeCloseTo(0.6, 1);
    expect([...byCountry.keys()].sort()).toEqual(['DE', 'JP', 'US']);
  });

  it('refuses unknown countries and bad weights', () => {
    expect(() => new Workload({ ...options, countries: { XX: 1 } }, addresses)).toThrow(/no addresses known for country "XX"/);
    expect(() => parseCountryWeights('US=3')).toThrow(/look like "US:3,DE:1"/);
  });
});
