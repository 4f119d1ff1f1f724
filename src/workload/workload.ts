import { CountryAddressSampler } from './country-addresses.ts';
import { INTERNET_USERS_MILLIONS } from './country-weights.ts';
import { createRandom, hash32, type Random } from './random.ts';
import { sizeFor, type SizeDistribution } from './size-distribution.ts';
import { ZipfSampler } from './zipf.ts';

export interface WorkloadOptions {
  /** Catalogue size: objects 0..objects-1, object 0 the most popular. */
  objects: number;
  /** Zipf exponent of popularity (> 0; 0.6-1.0 is typical of CDN traffic). */
  alpha: number;
  sizes: SizeDistribution;
  /** TTLs in seconds, one drawn per object (by its id, so an object keeps its TTL). */
  ttlSeconds: readonly number[];
  /** Share of objects served with Cache-Control: no-store, 0..1. */
  uncacheableShare: number;
  /** Client countries and their weights; default: internet users per country. */
  countries?: Readonly<Record<string, number>>;
  seed: number;
  /** Prefix of object ids, so separate runs can keep their objects apart. */
  idPrefix?: string;
}

export interface WorkloadRequest {
  /** Popularity rank of the object, 0 = most popular. */
  rank: number;
  key: string;
  /** Path on the built-in origin (through the router): /gen/<key>?bytes=N&ttl=S[&nostore=1]. */
  path: string;
  bytes: number;
  ttl: number;
  cacheable: boolean;
  country: string;
  /** A real address of `country`, for X-Forwarded-For. */
  clientIp: string;
}

/**
 * A deterministic stream of requests: Zipf popularity over a catalogue, per-object size, TTL and
 * cacheability derived from the object's id (so every request for an object agrees), clients
 * spread over countries by weight, each with a real address of its country.
 */
export class Workload {
  readonly #random: Random;
  readonly #zipf: ZipfSampler;
  readonly #countries: string[];
  readonly #countryCdf: number[];
  readonly #addresses: CountryAddressSampler;
  readonly #options: WorkloadOptions;

  constructor(options: WorkloadOptions, addresses: CountryAddressSampler = CountryAddressSampler.load()) {
    if (!(options.uncacheableShare >= 0 && options.uncacheableShare <= 1)) throw new RangeError('the uncacheable share must be within 0..1');
    if (options.ttlSeconds.length === 0) throw new RangeError('at least one TTL is needed');
    this.#options = options;
    this.#random = createRandom(options.seed);
    this.#zipf = new ZipfSampler(options.objects, options.alpha);
    this.#addresses = addresses;
    const weights = Object.entries(options.countries ?? INTERNET_USERS_MILLIONS);
    for (const [country] of weights) {
      if (!addresses.has(country)) throw new RangeError(`no addresses known for country "${country}"`);
    }
    this.#countries = weights.map(([country]) => country);
    const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
    let running = 0;
    this.#countryCdf = weights.map(([, weight]) => (running += weight / total));
  }

  next(): WorkloadRequest {
    const rank = this.#zipf.sample(this.#random);
    return this.request(rank, this.#pickCountry());
  }

  /** The request for a given object from a given country (used by scenarios such as a flash crowd). */
  request(rank: number, country: string): WorkloadRequest {
    const key = `${this.#options.idPrefix ?? 'o'}${rank}`;
    const h = hash32(key);
    // Three independent-looking uniforms from one hash: size, TTL, cacheability.
    const u1 = (h & 0x3ff) / 1024 + 0.5 / 1024;
    const u2 = ((h >>> 10) & 0x3ff) / 1024;
    const u3 = ((h >>> 20) & 0x3ff) / 1024;
    const bytes = sizeFor(this.#options.sizes, u1);
    const ttl = this.#options.ttlSeconds[Math.floor(u2 * this.#options.ttlSeconds.length)]!;
    const cacheable = u3 >= this.#options.uncacheableShare;
    const clientIp = this.#addresses.sample(country, this.#random)!;
    const path = `/gen/${key}?bytes=${bytes}&ttl=${ttl}${cacheable ? '' : '&nostore=1'}`;
    return { rank, key, path, bytes, ttl, cacheable, country, clientIp };
  }

  #pickCountry(): string {
    const u = this.#random.next();
    const index = this.#countryCdf.findIndex((edge) => u < edge);
    return this.#countries[index === -1 ? this.#countries.length - 1 : index]!;
  }
}
