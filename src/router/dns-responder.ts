import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import type { Answer, Question } from 'dns-packet';
import { CLIENT_SUBNET_OPTION, clientSubnetReply, type ClientSubnet } from '../dns/client-subnet.ts';
import type { DnsAnswerer } from '../dns/dns-listener.ts';
import { encodeReject, encodeResponse, RCODE, readQuery, type DnsQuery } from '../dns/dns-message.ts';
import { PacketCache } from '../dns/packet-cache.ts';
import type { ClientLocation } from '../routing/client-location.ts';
import type { EdgeTable, RoutedEdge } from '../routing/edge-table.ts';
import type { DnsConfig } from '../topology/schema.ts';

export type DnsOutcome = 'answer' | 'nodata' | 'nxdomain' | 'refused' | 'servfail' | 'formerr' | 'notimp' | 'badvers' | 'dropped';

export interface DnsResponderOptions {
  dns: DnsConfig;
  table: EdgeTable;
  /** The HTTP router's own locator: one rule for where a client is, whichever way it asks. */
  locate: (peer: string | undefined, headers: IncomingHttpHeaders) => ClientLocation;
  /** Told of every message: what became of it and, for an answer, which edge it named. */
  onOutcome?: (outcome: DnsOutcome, edge?: RoutedEdge) => void;
}

/**
 * The router's DNS: A/AAAA for the CDN's hostname with the nearest healthy edge's address,
 * authoritative and with the topology's TTL. The client is located as the HTTP router locates
 * one, by the same code: the EDNS Client Subnet address plays X-Forwarded-For's part, believed
 * only from a trusted peer (the resolver sending it vouches for its client, as a proxy does);
 * otherwise the resolver's own address decides, and the answer's ECS scope is 0 (it holds for
 * every client of that resolver). Other names in the hostname's zone are NXDOMAIN, names outside
 * it REFUSED (this server is authoritative for nothing else).
 */
export function createDnsResponder(options: DnsResponderOptions): DnsAnswerer {
  const hostname = options.dns.hostname.toLowerCase();
  const ttl = options.dns.ttl;
  const soa: Answer = {
    type: 'SOA',
    name: hostname,
    ttl,
    data: { mname: `ns.${hostname}`, rname: `hostmaster.${hostname}`, serial: 1, refresh: 3600, retry: 600, expire: 86_400, minimum: ttl },
  };
  const report = options.onOutcome ?? (() => undefined);
  const cache = new PacketCache<{ outcome: DnsOutcome; edge?: RoutedEdge }>();

  // An answer depends on the query's bytes, on who asked (a trusted peer's ECS is believed, an
  // untrusted one is located by its own address) and on which edges are up: the cache key holds all three.
  return (message, peer) => {
    const key = PacketCache.key(message, `${peer}|${healthKey(options.table)}`);
    const cached = cache.get(key, message);
    if (cached) {
      report(cached.meta.outcome, cached.meta.edge);
      return cached.reply;
    }
    let last: { outcome: DnsOutcome; edge?: RoutedEdge } | undefined;
    const reply = answer(message, peer, (outcome, edge) => {
      last = { outcome, edge };
      report(outcome, edge);
    });
    // Only well-formed queries are kept: noise must not evict answers.
    if (reply && last && !['formerr', 'notimp', 'badvers', 'dropped'].includes(last.outcome)) cache.set(key, reply, last);
    return reply;
  };

  function answer(message: Buffer, peer: string, report: (outcome: DnsOutcome, edge?: RoutedEdge) => void): Buffer | undefined {
    const query = readQuery(message);
    if (query.kind === 'drop') {
      report('dropped');
      return undefined;
    }
    if (query.kind === 'reject') {
      report(query.rcode === RCODE.NOTIMP ? 'notimp' : query.rcode === RCODE.FORMERR ? 'formerr' : 'badvers');
      return encodeReject(query);
    }
    const question = query.question;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const subnet = query.edns?.clientSubnet;
    const reply = (rcode: number, outcome: DnsOutcome, parts: { answers?: Answer[]; authorities?: Answer[]; scope?: number } = {}, edge?: RoutedEdge) => {
      report(outcome, edge);
      return encodeResponse({
        id: query.id,
        rcode,
        recursionDesired: query.recursionDesired,
        authoritative: rcode !== RCODE.REFUSED,
        question,
        answers: parts.answers,
        authorities: parts.authorities,
        edns: echoEdns(query, subnet, parts.scope ?? 0),
      });
    };
    if (name !== hostname) {
      return name.endsWith(`.${hostname}`) ? reply(RCODE.NXDOMAIN, 'nxdomain', { authorities: [soa] }) : reply(RCODE.REFUSED, 'refused');
    }
    if ((question.class ?? 'IN') !== 'IN') return reply(RCODE.REFUSED, 'refused');
    const family = addressFamily(question);
    if (family === undefined) return reply(RCODE.NOERROR, 'nodata', { authorities: [soa] });

    const headers: IncomingHttpHeaders = subnet && subnet.sourcePrefix > 0 ? { 'x-forwarded-for': subnet.address } : {};
    const client = options.locate(peer, headers);
    const believed = subnet !== undefined && subnet.sourcePrefix > 0 && client.address === subnet.address;
    const scope = believed ? subnet.sourcePrefix : 0;
    const edge = options.table.nearestHealthy(client);
    if (!edge) return reply(RCODE.SERVFAIL, 'servfail', { scope });
    if (family !== familyOf(edge.address)) return reply(RCODE.NOERROR, 'nodata', { authorities: [soa], scope }, edge);
    return reply(RCODE.NOERROR, 'answer', { answers: [{ type: question.type as 'A' | 'AAAA', name: question.name, ttl, class: 'IN', data: edge.address }], scope }, edge);
  }
}

/** Which edges are up, as a short string: a cached answer holds only while it is the same. */
function healthKey(table: EdgeTable): string {
  let key = '';
  for (const edge of table.edges) key += edge.healthy ? '1' : '0';
  return key;
}

/** Which address family a question asks for; undefined for any other type (answered with no data). */
function addressFamily(question: Question): 4 | 6 | undefined {
  if (question.type === 'A') return 4;
  if (question.type === 'AAAA') return 6;
  return undefined;
}

/** A query with EDNS gets EDNS back; one with ECS gets its option echoed with the answer's scope (RFC 7871 section 7.2.1). */
function echoEdns(query: DnsQuery, subnet: ClientSubnet | undefined, scope: number) {
  if (!query.edns) return undefined;
  return { options: subnet ? [{ code: CLIENT_SUBNET_OPTION, data: clientSubnetReply(subnet, scope) }] : [] };
}

/** An edge's address family, for matching it to an A or AAAA question. */
export function familyOf(address: string): 4 | 6 | undefined {
  return isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
}
