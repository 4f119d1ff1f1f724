import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Random } from './random.ts';

/** geoip-lite's IPv4 country table: records of start (u32), end (u32), ISO country code (2 bytes). */
const RECORD_BYTES = 10;

interface CountryRanges {
  starts: number[];
  ends: number[];
  /** Running total of addresses, for picking a range in proportion to its size. */
  cumulative: number[];
}

/**
 * Real IPv4 addresses of a country, drawn from the same database the router locates clients with
 * (geoip-lite's country table), in proportion to the address space each range holds.
 */
export class CountryAddressSampler {
  readonly #byCountry = new Map<string, CountryRanges>();

  private constructor(table: Buffer) {
    for (let offset = 0; offset + RECORD_BYTES <= table.length; offset += RECORD_BYTES) {
      const start = table.readUInt32BE(offset);
      const end = table.readUInt32BE(offset + 4);
      const country = table.toString('latin1', offset + 8, offset + 10);
      let ranges = this.#byCountry.get(country);
      if (!ranges) this.#byCountry.set(country, (ranges = { starts: [], ends: [], cumulative: [] }));
      ranges.starts.push(start);
      ranges.ends.push(end);
      ranges.cumulative.push((ranges.cumulative.at(-1) ?? 0) + (end - start + 1));
    }
  }

  static load(): CountryAddressSampler {
    const packageJson = createRequire(import.meta.url).resolve('geoip-lite/package.json');
    return new CountryAddressSampler(readFileSync(path.join(path.dirname(packageJson), 'data', 'geoip-country.dat')));
  }

  has(country: string): boolean {
    return this.#byCountry.has(country);
  }

  /** A dotted-quad address in `country`, or undefined if the database has none. */
  sample(country: string, random: Random): string | undefined {
    const ranges = this.#byCountry.get(country);
    if (!ranges) return undefined;
    const total = ranges.cumulative.at(-1)!;
    const target = random.next() * total;
    let low = 0;
    let high = ranges.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (ranges.cumulative[mid]! <= target) low = mid + 1;
      else high = mid;
    }
    const start = ranges.starts[low]!;
    const address = start + random.int(ranges.ends[low]! - start + 1);
    return [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join('.');
  }
}
