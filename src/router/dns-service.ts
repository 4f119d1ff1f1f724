import { Counter, type Registry } from 'prom-client';
import { listenDns, type DnsListener } from '../dns/dns-listener.ts';
import { createClientLocator } from '../routing/client-location.ts';
import type { EdgeTable } from '../routing/edge-table.ts';
import type { Topology } from '../topology/schema.ts';
import { createDnsResponder } from './dns-responder.ts';

export interface DnsServiceOptions {
  topology: Topology & { dns: NonNullable<Topology['dns']> };
  /** Overrides topology.dns.port (the supervisor and tests pick one). */
  port?: number;
  table: EdgeTable;
  registry: Registry;
  log: (line: string) => void;
}

/** The router's DNS server beside its HTTP one: same edge table (so the same health), same location rules. */
export async function startDnsService(options: DnsServiceOptions): Promise<DnsListener> {
  const { topology } = options;
  const responses = new Counter({
    name: 'cdn_router_dns_responses_total',
    help: 'DNS messages received, by what became of them (answer, nodata, nxdomain, refused, servfail, formerr, notimp, badvers, dropped).',
    labelNames: ['outcome'],
    registers: [options.registry],
  });
  const answers = new Counter({
    name: 'cdn_router_dns_answers_total',
    help: 'A/AAAA answers given for the CDN hostname, by the edge they named.',
    labelNames: ['edge'],
    registers: [options.registry],
  });
  const responsesBy = bound((outcome: string) => responses.labels({ outcome }));
  const answersBy = bound((edge: string) => answers.labels({ edge }));
  const locate = createClientLocator({
    trustedProxies: topology.router.trustedProxies,
    defaultLocation: topology.router.defaultClientLocation,
  });
  let errorsLogged = 0;
  return listenDns({
    host: topology.dns.host ?? topology.router.host,
    port: options.port ?? topology.dns.port,
    answer: createDnsResponder({
      dns: topology.dns,
      table: options.table,
      locate,
      onOutcome: (outcome, edge) => {
        // Label children bound once: a lookup by label values on every query costs more than the answer.
        responsesBy(outcome).inc();
        if (outcome === 'answer' && edge) answersBy(edge.id).inc();
      },
    }),
    onError: (error) => {
      // Bounded: a flood of bad packets must not become a flood of log lines.
      if (errorsLogged++ < 10) options.log(`dns: ${String(error)}`);
    },
  });
}

/** Memoises a label child per value (the values are a handful: outcomes, edge ids). */
function bound<T>(make: (value: string) => T): (value: string) => T {
  const children = new Map<string, T>();
  return (value) => {
    let child = children.get(value);
    if (child === undefined) children.set(value, (child = make(value)));
    return child;
  };
}
