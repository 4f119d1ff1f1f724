import type { Random } from './random.ts';

/**
 * Draws ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^alpha, by binary search in the
 * precomputed cumulative distribution: exact for any alpha > 0, n doubles of memory.
 */
export class ZipfSampler {
  readonly #cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly alpha: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf needs at least one object, got ${n}`);
    if (!(alpha > 0)) throw new RangeError(`Zipf alpha must be > 0, got ${alpha}`);
    this.#cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) this.#cdf[k] = sum += 1 / (k + 1) ** alpha;
    for (let k = 0; k < n; k++) this.#cdf[k]! /= sum;
  }

  /** Probability of rank k. */
  probability(k: number): number {
    return this.#cdf[k]! - (k > 0 ? this.#cdf[k - 1]! : 0);
  }

  sample(random: Random): number {
    const u = random.next();
    let low = 0;
    let high = this.n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#cdf[mid]! < u) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
