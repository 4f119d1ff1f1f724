import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import geoip from 'geoip-lite';
import { countryLocation } from '../geo/countries.ts';
import type { LatLon } from '../geo/distance.ts';
import { createAddressMatcher, parseAddress } from '../net/cidr.ts';

export type LocationSource = 'x-client-geo' | 'cookie' | 'x-forwarded-for' | 'socket' | 'default';

/** The cookie the dashboard sets when a person picks a simulated location: a country code or "lat,lon". */
export const GEO_COOKIE = 'cdnsim_geo';

export interface ClientLocation extends LatLon {
  /** ISO 3166-1 alpha-2, or "unknown" when no source gave one. */
  country: string;
  source: LocationSource;
  /** The address the location was looked up for, when it came from an address. */
  address?: string;
}

export interface LocationResolverOptions {
  trustedProxies: readonly string[];
  defaultLocation: LatLon;
}

/**
 * Finds where a client is. Headers are believed only from a trusted peer: X-Client-Geo first
 * (a country code or "lat,lon"), then the dashboard's cdnsim_geo cookie, then the left-most
 * address of X-Forwarded-For that is not itself a trusted proxy; otherwise the socket address. Anything unknown or malformed falls back to the
 * default location; a bad header never fails the request.
 */
export function createLocationResolver(options: LocationResolverOptions): (req: IncomingMessage) => ClientLocation {
  const locate = createClientLocator(options);
  return (req) => locate(req.socket.remoteAddress, req.headers);
}

/**
 * The same decision from a peer address and request headers alone, so that the offline simulator
 * places a trace's clients exactly as the live router places the requests the bench sends.
 */
export function createClientLocator(options: LocationResolverOptions): (peer: string | undefined, headers: IncomingHttpHeaders) => ClientLocation {
  const isTrusted = createAddressMatcher(options.trustedProxies);
  const fallback = (address?: string): ClientLocation => ({
    ...options.defaultLocation,
    country: 'unknown',
    source: 'default',
    address,
  });

  return (peer, headers) => {
    if (isTrusted(peer)) {
      const geo = headers['x-client-geo'];
      if (typeof geo === 'string') {
        const chosen = parseClientGeo(geo);
        if (chosen) return chosen;
      }
      const cookie = headers.cookie;
      if (cookie !== undefined && cookie.includes(GEO_COOKIE)) {
        const chosen = parseClientGeo(safeDecode(readCookie(cookie, GEO_COOKIE) ?? ''));
        if (chosen) return { ...chosen, source: 'cookie' };
      }
      const forwarded = headers['x-forwarded-for'];
      if (typeof forwarded === 'string') {
        const client = leftMostUntrusted(forwarded, isTrusted);
        if (client) return lookupAddress(client, 'x-forwarded-for') ?? fallback(client);
      }
    }
    return (peer && lookupAddress(peer, 'socket')) || fallback(peer);
  };
}

export function parseClientGeo(value: string): ClientLocation | undefined {
  const text = value.trim();
  if (/^[A-Za-z]{2}$/.test(text)) {
    const location = countryLocation(text);
    return location && { ...location, country: text.toUpperCase(), source: 'x-client-geo' };
  }
  const match = /^(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)$/.exec(text);
  if (!match) return undefined;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return { lat, lon, country: 'unknown', source: 'x-client-geo' };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return '';
  }
}

function readCookie(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function leftMostUntrusted(header: string, isTrusted: (address: string) => boolean): string | undefined {
  for (const part of header.split(',')) {
    const candidate = stripPort(part.trim());
    if (parseAddress(candidate) && !isTrusted(candidate)) return candidate;
  }
  return undefined;
}

/** X-Forwarded-For entries are sometimes "1.2.3.4:5678" or "[::1]:80". */
function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4WithPort ? v4WithPort[1]! : entry;
}

/** Address -> location (or null for "nowhere"); clients repeat, parsing and lookup need not. */
const MEMO_LIMIT = 10_000;
const memo = new Map<string, Omit<ClientLocation, 'source'> | null>();

function lookupAddress(address: string, source: LocationSource): ClientLocation | undefined {
  let known = memo.get(address);
  if (known === undefined) {
    known = geolocate(address) ?? null;
    // Crude but bounded: start over rather than track recency on the hot path.
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(address, known);
  }
  return known ? { ...known, source } : undefined;
}

function geolocate(address: string): Omit<ClientLocation, 'source'> | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const found = geoip.lookup(parsed.toString());
  const lat = found?.ll[0];
  const lon = found?.ll[1];
  if (!found || typeof lat !== 'number' || typeof lon !== 'number') return undefined;
  return { lat, lon, country: found.country || 'unknown', address };
}
