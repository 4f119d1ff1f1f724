import type { Pool } from 'undici';
import { roundTripDelayMs } from '../geo/network-model.ts';
import type { ClientLocation } from '../routing/client-location.ts';
import type { NetworkModel } from '../topology/schema.ts';
import { hash32 } from '../workload/random.ts';
import type { WorkloadRequest } from '../workload/workload.ts';
import { createClientLocator } from '../routing/client-location.ts';
import { BenchInputError } from './bench-input-error.ts';
import { DnsResolver } from './dns-resolver.ts';
import type { BenchOptions } from './options.ts';
import { createClientPool } from './runner.ts';
import type { BenchTarget } from './target.ts';

export interface DnsEdge {
  id: string;
  url: string;
  lat: number;
  lon: number;
}

export interface DnsRoutingOptions {
  resolver: DnsResolver;
  hostname: string;
  /** Every edge by the address DNS answers name it with. */
  edgesByAddress: Map<string, DnsEdge>;
  /** Simulated clients per country, each with a resolver cache of its own. */
  clientsPerCountry: number;
  /** Connections per edge pool. */
  connections: number;
  /** With locate: the client-to-edge round trip each request waits before it is sent. */
  network?: NetworkModel;
  locate?: (address: string) => ClientLocation;
  timeoutMs: number;
}

export interface RoutedTarget {
  pool: Pool;
  /** The simulated client-to-edge round trip to wait before sending (ms; 0 when the model is off). */
  delayMs: number;
}

interface ClientCache {
  /** The subnet this client's queries carry: its first request's address. */
  address: string;
  edge?: DnsEdge;
  expiresAt: number;
  delayMs: number;
  pending?: Promise<DnsEdge>;
}

/**
 * DNS-based routing on the client side, as a browser behind a resolver sees it: a simulated client
 * asks the CDN's DNS for the hostname with its own subnet (ECS), keeps the answer for its TTL,
 * and meanwhile connects straight to the edge it names. A client is a country and a slot (the
 * request's address hashed into `clientsPerCountry` slots), so that a run has a bounded,
 * repeatable population whose caches expire as real ones do; when an answer's edge dies,
 * the client keeps failing until its TTL runs out, as a real CDN's clients do.
 */
export class DnsRouting {
  readonly #options: DnsRoutingOptions;
  readonly #clients = new Map<string, ClientCache>();
  readonly #pools = new Map<string, Pool>();
  /** Answers received, by the edge they named: the DNS answers' share per edge. */
  readonly answersByEdge = new Map<string, number>();
  queries = 0;
  failures = 0;

  constructor(options: DnsRoutingOptions) {
    this.#options = options;
  }

  /** Where a request goes; rejects when its client's resolution fails (counted as a 'dns' error). */
  async route(request: WorkloadRequest): Promise<RoutedTarget> {
    const key = `${request.country}/${hash32(request.clientIp) % this.#options.clientsPerCountry}`;
    let client = this.#clients.get(key);
    if (!client) this.#clients.set(key, (client = { address: request.clientIp, expiresAt: 0, delayMs: 0 }));
    const now = performance.now();
    const edge = client.edge && now < client.expiresAt ? client.edge : await this.#resolve(client);
    return { pool: this.#poolFor(edge), delayMs: client.delayMs };
  }

  /** One query per client at a time: requests of a client waiting on its answer share it. */
  #resolve(client: ClientCache): Promise<DnsEdge> {
    client.pending ??= (async () => {
      try {
        this.queries++;
        const answer = await this.#options.resolver.resolve(this.#options.hostname, client.address, this.#options.timeoutMs);
        const edge = this.#options.edgesByAddress.get(answer.address);
        if (!edge) throw new Error(`DNS named ${answer.address}, which is no edge of this topology`);
        this.answersByEdge.set(edge.id, (this.answersByEdge.get(edge.id) ?? 0) + 1);
        client.edge = edge;
        client.expiresAt = performance.now() + answer.ttl * 1000;
        const { network, locate } = this.#options;
        client.delayMs = network && locate && network.timeScale > 0 ? roundTripDelayMs(network, locate(client.address), edge) : 0;
        return edge;
      } catch (error) {
        this.failures++;
        throw Object.assign(new Error(`dns: ${(error as Error).message}`), { code: 'dns' });
      } finally {
        client.pending = undefined;
      }
    })();
    return client.pending;
  }

  #poolFor(edge: DnsEdge): Pool {
    let pool = this.#pools.get(edge.url);
    if (!pool) this.#pools.set(edge.url, (pool = createClientPool(edge.url, this.#options.connections)));
    return pool;
  }

  /** Each edge's share of the DNS answers received. */
  answerShares(): Record<string, number> {
    const total = [...this.answersByEdge.values()].reduce((sum, count) => sum + count, 0);
    return Object.fromEntries([...this.answersByEdge].sort(([a], [b]) => a.localeCompare(b)).map(([edge, count]) => [edge, total ? count / total : 0]));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#options.resolver.close();
  }
}

/**
 * DNS routing for a bench target, or why it cannot run: it needs the router's DNS server, and
 * edges on addresses of their own (an A record carries an address, not a port).
 */
export function createDnsRouting(target: BenchTarget, options: Pick<BenchOptions, 'dnsClients' | 'concurrency' | 'timeoutMs'>): DnsRouting {
  if (!target.dns) {
    throw new BenchInputError("--routing dns needs the router's DNS: a topology with a dns section (with --spawn), or --dns-server HOST:PORT");
  }
  const edgesByAddress = new Map<string, DnsEdge>();
  for (const edge of target.edges) {
    const address = new URL(edge.url).hostname.replace(/^\[|\]$/g, '');
    const place = target.edgePlaces.get(edge.id) ?? { lat: 0, lon: 0 };
    if (edgesByAddress.has(address)) {
      throw new BenchInputError(
        `--routing dns needs every edge on an address of its own (topology "host", e.g. 127.0.1.N); ${edgesByAddress.get(address)!.id} and ${edge.id} share ${address}`,
      );
    }
    edgesByAddress.set(address, { id: edge.id, url: edge.url, ...place });
  }
  // The bench's clients have real addresses but no peer to trust: located by address alone, from
  // the /24 network their ECS carried, the address the DNS answer was computed for.
  const locator = createClientLocator({ trustedProxies: [], defaultLocation: BENCH_DEFAULT_LOCATION });
  return new DnsRouting({
    resolver: new DnsResolver({ host: target.dns.host, port: target.dns.port }),
    hostname: target.dns.hostname,
    edgesByAddress,
    clientsPerCountry: options.dnsClients,
    // A pool per edge: all of --concurrency on each would let ten edges' pools open ten times the
    // connections the router's one pool does (undici opens them lazily, and keeps them).
    connections: Math.max(8, Math.ceil(options.concurrency / 8)),
    network: target.network,
    locate: (address) => locator(network24(address), {}),
    timeoutMs: Math.min(options.timeoutMs, 3_000),
  });
}

/** Where the default topology's router places clients with no known location (New York). */
const BENCH_DEFAULT_LOCATION = { lat: 40.7128, lon: -74.006 };

function network24(address: string): string {
  const parts = address.split('.');
  return parts.length === 4 ? `${parts.slice(0, 3).join('.')}.0` : address;
}
