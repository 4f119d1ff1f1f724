import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';

/** EDNS option code of Client Subnet (RFC 7871 section 6). */
export const CLIENT_SUBNET_OPTION = 8;

/** The ECS option of a query: the client's network, as much of it as its resolver chose to reveal. */
export interface ClientSubnet {
  family: 1 | 2;
  sourcePrefix: number;
  /** The network address with every bit past `sourcePrefix` zero, e.g. "133.242.0.0". */
  address: string;
}

/**
 * Reads an ECS option's payload, or says why it is malformed, which RFC 7871 section 7.1.1 answers
 * with FORMERR: a family other than IPv4 (1) or IPv6 (2), a source prefix longer than the
 * address, an address of other than ceil(prefix / 8) bytes, bits set past the prefix, or a
 * non-zero scope prefix (a query's must be 0).
 */
export function parseClientSubnet(data: Buffer): ClientSubnet | { malformed: string } {
  if (data.length < 4) return { malformed: 'ECS option shorter than 4 bytes' };
  const family = data.readUInt16BE(0);
  if (family !== 1 && family !== 2) return { malformed: `ECS family ${family}` };
  const sourcePrefix = data[2]!;
  const scopePrefix = data[3]!;
  const width = family === 1 ? 32 : 128;
  if (sourcePrefix > width) return { malformed: `ECS source prefix ${sourcePrefix} longer than the address` };
  if (scopePrefix !== 0) return { malformed: 'ECS scope prefix set in a query' };
  const addressBytes = data.subarray(4);
  if (addressBytes.length !== Math.ceil(sourcePrefix / 8)) return { malformed: 'ECS address length does not match its prefix' };
  const spare = sourcePrefix % 8;
  if (spare !== 0 && (addressBytes.at(-1)! & (0xff >> spare)) !== 0) return { malformed: 'ECS address has bits set past its prefix' };
  const full = Buffer.alloc(width / 8);
  addressBytes.copy(full);
  const address = ipaddr.fromByteArray([...full]).toString();
  return { family, sourcePrefix, address };
}

/** The option a response echoes (RFC 7871 section 7.2.1): the query's family, prefix and address, with the scope the answer holds for. */
export function clientSubnetReply(subnet: ClientSubnet, scopePrefix: number): Buffer {
  const addressLength = Math.ceil(subnet.sourcePrefix / 8);
  const out = Buffer.alloc(4 + addressLength);
  out.writeUInt16BE(subnet.family, 0);
  out[2] = subnet.sourcePrefix;
  out[3] = scopePrefix;
  Buffer.from(ipaddr.parse(subnet.address).toByteArray()).copy(out, 4, 0, addressLength);
  return out;
}

/** An ECS payload for a client's address cut to `prefix` bits (what a resolver sends; the bench's resolver uses it). */
export function clientSubnetFor(address: string, prefix: number): Buffer {
  const family = isIPv4(address) ? 1 : 2;
  const bytes = ipaddr.parse(address).toByteArray();
  const addressLength = Math.ceil(prefix / 8);
  const out = Buffer.alloc(4 + addressLength);
  out.writeUInt16BE(family, 0);
  out[2] = prefix;
  for (let i = 0; i < addressLength; i++) out[4 + i] = bytes[i]!;
  const spare = prefix % 8;
  if (spare !== 0) out[3 + addressLength] = out[3 + addressLength]! & (0xff << (8 - spare));
  return out;
}
