import { createRequire } from 'node:module';
import type { Country } from 'world-countries';
import type { LatLon } from './distance.ts';

let centroids: Map<string, LatLon> | undefined;

/** The representative point of a country (ISO 3166-1 alpha-2), from the world-countries data set. */
export function countryLocation(code: string): LatLon | undefined {
  if (!centroids) {
    // The package is CommonJS JSON; loading it lazily keeps it out of processes that never ask.
    const countries = createRequire(import.meta.url)('world-countries/countries.json') as Country[];
    centroids = new Map(countries.map((country) => [country.cca2, { lat: country.latlng[0], lon: country.latlng[1] }]));
  }
  return centroids.get(code.toUpperCase());
}
