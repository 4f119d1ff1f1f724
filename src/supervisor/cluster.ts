import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_ENV } from '../admin/token.ts';
import { roundTripDelayMs } from '../geo/network-model.ts';
import { prometheusConfig } from '../metrics/prometheus-config.ts';
import { functionsForEdge, loadTopologyFile } from '../topology/load.ts';
import { S3_CONFIG_ENV, type Topology } from '../topology/schema.ts';
import { edgeS3Access, originS3Config } from './s3-front.ts';
import { PURGE_URL_FILE_ENV } from '../origin/s3/purge-on-write.ts';
import { ManagedChild, type ChildSpec } from './child.ts';
import { planEdgeAddresses } from './edge-addresses.ts';
import { freeUdpTcpPort } from './free-port.ts';
import { waitHealthy } from './health-wait.ts';

export interface ClusterOptions {
  topologyFile: string;
  /** Where the resolved topology (real ports) and other run files are written. */
  runDir: string;
  adminToken: string;
  log?: (line: string) => void;
  /** Start every process on a free port whatever the file says (tests). */
  ephemeralPorts?: boolean;
}

export interface ClusterMember {
  role: ChildSpec['role'];
  id: string;
  region: string;
  url: string;
  pid: number | undefined;
}

export interface Cluster {
  /** The topology with every port as really bound. */
  topology: Topology;
  /** Holds topology.resolved.json and prometheus.yml. */
  runDir: string;
  routerUrl: string;
  originUrl: string;
  /** The router's DNS server, when the topology has a dns section. */
  dns?: { host: string; port: number; hostname: string; ttl: number };
  /** Every edge on an address of its own, so DNS answers tell them apart. */
  edgesOnDistinctAddresses: boolean;
  /** Origin (when built in), each edge, then the router. */
  members: ClusterMember[];
  child(id: string): ManagedChild | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the origin (when built in), every edge, then the router, each as its own process, and
 * waits until each answers /_cdn/health. Any failure stops what had started and rethrows.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const loaded = loadTopologyFile(options.topologyFile);
  const { topology, baseDir } = loaded;
  mkdirSync(options.runDir, { recursive: true });
  const log = options.log ?? ((line: string) => console.log(line));
  const portOf = (port: number | undefined) => (options.ephemeralPorts ? 0 : (port ?? 0));
  const prefixWidth = Math.max(6, topology.origin.id.length, ...topology.edges.map((edge) => edge.id.length));
  const s3Env = topology.origin.s3 === undefined ? {} : { [S3_CONFIG_ENV]: JSON.stringify(originS3Config(topology.origin.s3)) };
  const edgeS3 = edgeS3Access(topology.origin.s3);
  // The origin starts first: it reads the router's URL here once the router listens (purgeOnWrite).
  const purgeUrlFile = path.join(options.runDir, 'purge-url');
  rmSync(purgeUrlFile, { force: true });
  const childOptions = { env: { ...process.env, [ADMIN_TOKEN_ENV]: options.adminToken, ...s3Env }, log, prefixWidth };
  const started: ManagedChild[] = [];
  const launch = async (spec: ChildSpec, env: NodeJS.ProcessEnv = {}) => {
    const child = new ManagedChild(spec, { ...childOptions, env: { ...childOptions.env, ...env } });
    started.push(child);
    await child.start();
    await waitHealthy(child.url);
    return child;
  };
  const stopAll = async () => {
    // Router first so it stops taking traffic, then the edges, then the origin they fetch from.
    for (const child of [...started].reverse()) await child.stop();
  };

  try {
    let originUrl = topology.origin.url;
    if (originUrl === undefined) {
      const origin = topology.origin;
      const dataDir = path.resolve(baseDir, origin.dataDir ?? '.cdnsim/origin-data');
      const child = await launch({
        role: 'origin',
        id: origin.id,
        region: origin.region,
        port: portOf(origin.port),
        args: (port) => [
          'origin',
          '--id', origin.id,
          '--port', String(port),
          '--data-dir', dataDir,
          ...(origin.maxObjectBytes ? ['--max-object-bytes', String(origin.maxObjectBytes)] : []),
        ],
      }, { [PURGE_URL_FILE_ENV]: purgeUrlFile });
      originUrl = child.url;
    }
    const resolvedOrigin = originUrl;
    const plan = await planEdgeAddresses(topology.edges);
    if (plan.fallback) log(`cdnsim | ${plan.fallback}`);
    const launchEdge = (edge: Topology['edges'][number], index: number, port: number) =>
      launch({
        role: 'edge',
        id: edge.id,
        region: edge.region,
        host: plan.addresses[index]!.host,
        port,
        args: (bound) => [
          'edge',
          '--id', edge.id,
          '--region', edge.region,
          '--host', plan.addresses[index]!.host,
          '--port', String(bound),
          '--origin', resolvedOrigin,
          ...(edge.maxObjects !== undefined ? ['--max-objects', String(edge.maxObjects)] : ['--max-size', String(edge.maxSize)]),
          '--policy', edge.policy,
          ...(edge.maxObjectBytes ? ['--max-object-bytes', String(edge.maxObjectBytes)] : []),
          '--origin-rtt-ms', roundTripDelayMs(topology.network, edge, topology.origin).toFixed(3),
          ...(edge.originRequestHeaders ?? []).flatMap((name) => ['--origin-request-header', name]),
          ...(edge.serveStaleOnOriginError === false ? ['--no-serve-stale-on-origin-error'] : []),
          ...(edge.targetedCacheControlField ? ['--targeted-cache-control-field', edge.targetedCacheControlField] : []),
          ...edgeFunctionArgs(loaded, edge.id),
          ...(edgeS3?.args ?? []),
        ],
      }, edgeS3?.env);
    const commonPort = plan.distinct && new Set(plan.addresses.map((address) => address.port)).size === 1;
    let edges: ManagedChild[];
    if (commonPort && (options.ephemeralPorts || plan.addresses[0]!.port === 0)) {
      // One port for all, as in the file: the first edge's free port is free on the others'
      // addresses too (every cluster binds its common port on its first edge's address first).
      const first = await launchEdge(topology.edges[0]!, 0, 0);
      edges = [first, ...(await Promise.all(topology.edges.slice(1).map((edge, index) => launchEdge(edge, index + 1, first.port))))];
    } else {
      edges = await Promise.all(topology.edges.map((edge, index) => launchEdge(edge, index, options.ephemeralPorts ? 0 : plan.addresses[index]!.port)));
    }
    // The router reads the same topology, with the addresses and ports the edges really got.
    // Named before the router starts, so that a restarted router answers where resolvers were told to ask.
    const dnsPort =
      topology.dns && (options.ephemeralPorts || topology.dns.port === 0 ? await freeUdpTcpPort(topology.dns.host ?? topology.router.host) : topology.dns.port);
    const resolved: Topology = {
      ...topology,
      ...(topology.dns && dnsPort !== undefined ? { dns: { ...topology.dns, port: dnsPort } } : {}),
      edges: topology.edges.map((edge, index) => ({ ...edge, host: plan.addresses[index]!.host, port: edges[index]!.port })),
    };
    const resolvedFile = path.join(options.runDir, 'topology.resolved.json');
    writeFileSync(resolvedFile, `${JSON.stringify(resolved, null, 2)}\n`);
    const router = await launch({
      role: 'router',
      id: 'router',
      region: 'global',
      port: portOf(topology.router.port),
      args: (port) => ['router', '--topology', resolvedFile, '--port', String(port), ...(dnsPort !== undefined ? ['--dns-port', String(dnsPort)] : [])],
    });
    writeFileSync(purgeUrlFile, `${router.url}\n`);
    // Every port as really bound, for Prometheus (and anyone else) to find the processes.
    const running: Topology = {
      ...resolved,
      router: { ...resolved.router, port: router.port },
      origin: topology.origin.url === undefined ? { ...resolved.origin, port: started[0]!.port } : resolved.origin,
    };
    writeFileSync(path.join(options.runDir, 'prometheus.yml'), prometheusConfig(running));
    return {
      topology: running,
      runDir: options.runDir,
      routerUrl: router.url,
      originUrl: resolvedOrigin,
      dns: resolved.dns && { host: resolved.dns.host ?? resolved.router.host, port: resolved.dns.port, hostname: resolved.dns.hostname, ttl: resolved.dns.ttl },
      edgesOnDistinctAddresses: plan.distinct,
      get members() {
        return started.map((child) => ({
          role: child.spec.role,
          id: child.spec.id,
          region: child.spec.region,
          url: child.url,
          pid: child.pid,
        }));
      },
      child: (id) => started.find((child) => child.spec.id === id),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The topology's functions for one edge, files made absolute (the edge runs in another folder). */
function edgeFunctionArgs(loaded: ReturnType<typeof loadTopologyFile>, edgeId: string): string[] {
  const specs = functionsForEdge(loaded, edgeId);
  if (specs.length === 0) return [];
  // The edge parses these as topology entries: `edges` is the topology's business, not the edge's.
  const entries = specs.map(({ edges: _edges, ...spec }) => spec);
  return ['--functions-json', JSON.stringify(entries)];
}
