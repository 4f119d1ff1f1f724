import { createRequire } from 'node:module';
import type { Country } from 'world-countries';

let regions: Map<string, string> | undefined;

/** A country's region (Africa, Americas, Asia, Europe, Oceania) from world-countries, for grouping clients. */
export function regionOf(country: string): string {
  if (!regions) {
    const countries = createRequire(import.meta.url)('world-countries/countries.json') as Country[];
    regions = new Map(countries.map((entry) => [entry.cca2, entry.region]));
  }
  return regions.get(country) ?? 'unknown';
}
