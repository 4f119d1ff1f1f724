/**
 * Object sizes: fixed, or heavy-tailed (bounded Pareto, the usual model of web object sizes).
 * A size is a function of a uniform number, so an object's size can be derived from its id alone.
 */
export type SizeDistribution =
  | { kind: 'fixed'; bytes: number }
  | { kind: 'pareto'; minBytes: number; maxBytes: number; shape: number };

export function sizeFor(distribution: SizeDistribution, uniform: number): number {
  if (distribution.kind === 'fixed') return distribution.bytes;
  const { minBytes: l, maxBytes: h, shape: a } = distribution;
  // Inverse CDF of the Pareto distribution bounded to [l, h].
  const la = l ** a;
  const ha = h ** a;
  const x = (-(uniform * ha - uniform * la - ha) / (ha * la)) ** (-1 / a);
  return Math.max(l, Math.min(h, Math.round(x)));
}

/** Parses "1024", "fixed:1024" or "pareto:MIN:MAX:SHAPE" (shape > 0; ~1.2 is typical for the web). */
export function parseSizeDistribution(text: string): SizeDistribution {
  const parts = text.split(':');
  if (parts.length === 1 || parts[0] === 'fixed') {
    const bytes = Number(parts.at(-1));
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`size must be a whole number of bytes, got "${text}"`);
    return { kind: 'fixed', bytes };
  }
  if (parts[0] === 'pareto' && parts.length === 4) {
    const [minBytes, maxBytes, shape] = parts.slice(1).map(Number) as [number, number, number];
    if (!(minBytes >= 1 && maxBytes >= minBytes && shape > 0)) {
      throw new RangeError(`pareto needs 1 <= MIN <= MAX and SHAPE > 0, got "${text}"`);
    }
    return { kind: 'pareto', minBytes, maxBytes, shape };
  }
  throw new RangeError(`unknown size distribution "${text}" (use BYTES, fixed:BYTES or pareto:MIN:MAX:SHAPE)`);
}
