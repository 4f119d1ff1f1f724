import type { SizeMode } from './simulate.ts';

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

export type CacheSizeSpec = { kind: 'absolute'; value: number } | { kind: 'fraction'; fraction: number };

/** "64MiB", "10000" (absolute) or "0.1" (a fraction of the working set: floor(wss x f)). */
export function parseCacheSize(text: string): CacheSizeSpec {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new RangeError(`cache size "${text}" is not a number, a size like 64MiB, or a fraction like 0.1`);
  const value = Number(match[1]);
  if (value <= 0) throw new RangeError(`cache size must be > 0, got "${text}"`);
  if (match[2] === '' && value < 1) return { kind: 'fraction', fraction: value };
  return { kind: 'absolute', value: Math.floor(value * unit) };
}

/** The capacity in the run's unit; fractions of the working set (unique objects, or their first-seen bytes). */
export function resolveCacheSize(spec: CacheSizeSpec, mode: SizeMode, workingSet: { objects: number; bytes: number }): number {
  if (spec.kind === 'absolute') return spec.value;
  return Math.floor((mode === 'objects' ? workingSet.objects : workingSet.bytes) * spec.fraction);
}
