import { createServer } from 'node:net';
import { DEFAULT_HOST, type EdgeConfig } from '../topology/schema.ts';

export interface EdgeAddress {
  host: string;
  /** The port from the file, or 0 when the fallback gives each edge a free port of its own. */
  port: number;
}

export interface EdgeAddressPlan {
  addresses: EdgeAddress[];
  /** Every edge on an address of its own, so that an address alone (a DNS answer) names one edge. */
  distinct: boolean;
  /** Why the topology's addresses were not used, for the log. */
  fallback?: string;
}

/**
 * Where each edge listens. On Linux every 127.0.0.0/8 address is local, so `127.0.1.N` binds as
 * it is. Where only 127.0.0.1 exists (macOS unless `ifconfig lo0 alias 127.0.1.N` was run,
 * some containers), binding one fails with EADDRNOTAVAIL: then every edge listens on 127.0.0.1
 * on a free port of its own, the proxy router and health checks work as before, and DNS answers
 * name 127.0.0.1 for every edge, which cannot tell edges apart (`distinct` is false).
 */
export async function planEdgeAddresses(edges: readonly Pick<EdgeConfig, 'host' | 'port'>[]): Promise<EdgeAddressPlan> {
  const hosts = [...new Set(edges.map((edge) => edge.host ?? DEFAULT_HOST))];
  for (const host of hosts) {
    const problem = await bindProblem(host);
    if (problem !== undefined) {
      return {
        addresses: edges.map(() => ({ host: DEFAULT_HOST, port: 0 })),
        distinct: false,
        fallback: `cannot listen on ${host} (${problem}): every edge listens on ${DEFAULT_HOST} on a port of its own instead, and DNS answers cannot tell edges apart`,
      };
    }
  }
  return {
    addresses: edges.map((edge) => ({ host: edge.host ?? DEFAULT_HOST, port: edge.port })),
    distinct: hosts.length === edges.length,
  };
}

/** Why `host` cannot be listened on (its error code), or undefined when it can. */
function bindProblem(host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    probe.listen(0, host, () => probe.close(() => resolve(undefined)));
  });
}
