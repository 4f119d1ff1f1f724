import type { CsvColumns, TraceFormat } from '../trace/read-trace.ts';
import type { SizeDistribution } from '../workload/size-distribution.ts';

export const SCENARIOS = ['steady', 'flash-crowd', 'purge-storm', 'edge-failure', 'edge-outage'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const ROUTINGS = ['proxy', 'dns'] as const;
export type Routing = (typeof ROUTINGS)[number];

export interface BenchOptions {
  target?: string;
  spawn: boolean;
  topology: string;
  mode: 'open' | 'closed';
  /** Open loop: requests per second. */
  rate: number;
  /** Closed loop: parallel clients; open loop: the most requests in flight. */
  concurrency: number;
  durationSeconds?: number;
  requests?: number;
  warmupSeconds: number;
  objects: number;
  alpha: number;
  sizes: SizeDistribution;
  ttlSeconds: number[];
  uncacheableShare: number;
  countries?: Record<string, number>;
  seed: number;
  scenario: Scenario;
  out?: string;
  ceiling: boolean;
  adminToken?: string;
  timeoutMs: number;
  /** Replay this trace instead of generating a workload. */
  trace?: string;
  traceFormat?: TraceFormat;
  traceColumns?: Partial<CsvColumns>;
  skipBad: boolean;
  /** proxy: every request to the router; dns: each client resolves the CDN hostname and goes straight to its edge. */
  routing: Routing;
  /** --target with DNS routing: the router's DNS server (host and port) and the name it answers for. */
  dnsServer?: { host: string; port: number };
  dnsHostname?: string;
  /** DNS routing: simulated clients per country, each with its own resolver cache. */
  dnsClients: number;
}
