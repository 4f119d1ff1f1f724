import geoip from 'geoip-lite';
import { parseAddress } from '../net/cidr.ts';
import type { ClientLocation } from '../routing/client-location.ts';

/**
 * CloudFront's viewer headers, as CloudFront adds them to a request it forwards: the router plays
 * CloudFront's front door, so it says where the client is and an edge function reads it there.
 * Every header under this prefix is the router's to write: whatever a client sent is dropped first,
 * so no client can claim another country or address.
 */
export const VIEWER_HEADER_PREFIX = 'cloudfront-viewer-';

export const VIEWER_HEADERS = {
  country: 'cloudfront-viewer-country',
  address: 'cloudfront-viewer-address',
  city: 'cloudfront-viewer-city',
  countryRegion: 'cloudfront-viewer-country-region',
  latitude: 'cloudfront-viewer-latitude',
  longitude: 'cloudfront-viewer-longitude',
  timeZone: 'cloudfront-viewer-time-zone',
} as const;

/** What geoip-lite knows of an address beyond its country; looked up again here because ClientLocation keeps only what routing needs. */
interface AddressDetails {
  city?: string;
  region?: string;
  timeZone?: string;
}

const MEMO_LIMIT = 10_000;
const details = new Map<string, AddressDetails>();

function detailsOf(address: string): AddressDetails {
  let known = details.get(address);
  if (known === undefined) {
    const found = geoip.lookup(address);
    known = { city: found?.city || undefined, region: found?.region || undefined, timeZone: found?.timezone || undefined };
    // Bounded like the locator's own memo: clients repeat, and a flood of new ones only costs lookups.
    if (details.size >= MEMO_LIMIT) details.clear();
    details.set(address, known);
  }
  return known;
}

/**
 * The address as CloudFront writes it in CloudFront-Viewer-Address: IPv4 dotted, IPv6 in its
 * short form without brackets, then ':' and the port (so an IPv6 value's last ':' starts the port).
 * IPv4-mapped IPv6 (how Node reports IPv4 peers on a dual-stack socket) is written as the IPv4 it is.
 */
export function viewerAddress(ip: string, port: number): string | undefined {
  const parsed = parseAddress(ip);
  return parsed && `${parsed.toString()}:${port}`;
}

/**
 * The headers for one client. `peer` is the socket the request came on: its port is the client's
 * when the location came from that socket; an address learnt from X-Forwarded-For comes without
 * one, and port 0 says so. A location chosen with X-Client-Geo or the dashboard cookie has no
 * address of its own, so the peer's stands in; it gives lat/lon always and a country when one was named.
 */
export function viewerHeaders(location: ClientLocation, peer: { address?: string; port?: number }): Record<string, string> {
  const headers: Record<string, string> = {};
  if (location.country !== 'unknown') headers[VIEWER_HEADERS.country] = location.country;
  const fromSocket = location.address === undefined || location.address === peer.address;
  const ip = location.address ?? peer.address;
  const address = ip === undefined ? undefined : viewerAddress(ip, fromSocket ? (peer.port ?? 0) : 0);
  if (address) headers[VIEWER_HEADERS.address] = address;
  if (location.source !== 'default') {
    headers[VIEWER_HEADERS.latitude] = location.lat.toFixed(5);
    headers[VIEWER_HEADERS.longitude] = location.lon.toFixed(5);
  }
  if ((location.source === 'x-forwarded-for' || location.source === 'socket') && location.address !== undefined) {
    const { city, region, timeZone } = detailsOf(parseAddress(location.address)?.toString() ?? location.address);
    if (city) headers[VIEWER_HEADERS.city] = headerSafe(city);
    if (region) headers[VIEWER_HEADERS.countryRegion] = region;
    if (timeZone) headers[VIEWER_HEADERS.timeZone] = timeZone;
  }
  return headers;
}

/**
 * City names carry letters outside ASCII (Zürich, São Paulo), which a header value cannot hold
 * as text; they are percent-encoded as UTF-8 and plain ASCII names go as they are.
 */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : value.replace(/[^\x20-\x7e]+/g, (run) => encodeURIComponent(run));
}

/** Drops every CloudFront-Viewer-* header a client sent, in place. */
export function dropClientViewerHeaders(headers: Record<string, string | string[]>): void {
  for (const name in headers) if (name.startsWith(VIEWER_HEADER_PREFIX)) delete headers[name];
}
