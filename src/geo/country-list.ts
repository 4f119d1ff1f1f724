import { createRequire } from 'node:module';
import type { Country } from 'world-countries';

export interface CountryPlace {
  code: string;
  name: string;
  lat: number;
  lon: number;
}

let list: CountryPlace[] | undefined;

/** Every country with its representative point (world-countries), sorted by name. */
export function countryPlaces(): CountryPlace[] {
  if (!list) {
    const countries = createRequire(import.meta.url)('world-countries/countries.json') as Country[];
    list = countries
      .map((country) => ({ code: country.cca2, name: country.name.common, lat: country.latlng[0], lon: country.latlng[1] }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  return list;
}
