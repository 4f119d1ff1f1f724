import { byteUnit, splitQuantity } from '../units/byte-size.ts';
import type { SizeMode } from './simulate.ts';

export type CacheSizeSpec = { kind: 'absolute'; value: number } | { kind: 'fraction'; fraction: number };

/** "64MiB", "10000" (absolute) or "0.1" (a fraction of the working set: floor(wss x f)). */
export function parseCacheSize(text: string): CacheSizeSpec {
  const quantity = splitQuantity(text);
  const unit = quantity && byteUnit(quantity.unit);
  if (!quantity || unit === undefined) throw new RangeError(`cache size "${text}" is not a number, a size like 64MiB, or a fraction like 0.1`);
  const { value } = quantity;
  if (value <= 0) throw new RangeError(`cache size must be > 0, got "${text}"`);
  if (quantity.unit === '' && value < 1) return { kind: 'fraction', fraction: value };
  return { kind: 'absolute', value: Math.floor(value * unit) };
}

/** The capacity in the run's unit; fractions of the working set (unique objects, or their first-seen bytes). */
export function resolveCacheSize(spec: CacheSizeSpec, mode: SizeMode, workingSet: { objects: number; bytes: number }): number {
  if (spec.kind === 'absolute') return spec.value;
  return Math.floor((mode === 'objects' ? workingSet.objects : workingSet.bytes) * spec.fraction);
}
