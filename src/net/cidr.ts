import ipaddr from 'ipaddr.js';

export type CidrRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Accepts "10.0.0.0/8", "::1/128" or a bare address (a /32 or /128). */
export function parseCidr(text: string): CidrRange {
  if (text.includes('/')) return ipaddr.parseCIDR(text);
  const address = ipaddr.parse(text);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

export function isValidCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** Parses an address, unwrapping IPv4-mapped IPv6 (::ffff:1.2.3.4) so one rule covers both. */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  const address = ipaddr.parse(text);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

/** A matcher over a fixed list of ranges, built once so per-request checks allocate nothing. */
export function createAddressMatcher(ranges: readonly string[]): (address: string | undefined) => boolean {
  const parsed = ranges.map(parseCidr);
  return (text) => {
    if (!text) return false;
    const address = parseAddress(text);
    if (!address) return false;
    return parsed.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  };
}
