import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster } from '../../src/supervisor/cluster.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token';

/** Six edges on six continents; every port 0 (any free port) and the network model off. */
export const TEST_EDGES = [
  { id: 'iad', city: 'Ashburn', region: 'na-east', lat: 39.0438, lon: -77.4874 },
  { id: 'fra', city: 'Frankfurt', region: 'eu-central', lat: 50.1109, lon: 8.6821 },
  { id: 'nrt', city: 'Tokyo', region: 'ap-northeast', lat: 35.6762, lon: 139.6503 },
  { id: 'gru', city: 'Sao Paulo', region: 'sa-east', lat: -23.5505, lon: -46.6333 },
  { id: 'syd', city: 'Sydney', region: 'oceania', lat: -33.8688, lon: 151.2093 },
  { id: 'jnb', city: 'Johannesburg', region: 'af-south', lat: -26.2041, lon: 28.0473 },
];

export function testTopology(overrides: { edges?: typeof TEST_EDGES; healthIntervalMs?: number } = {}) {
  return {
    name: 'integration test topology',
    network: { baseMs: 0, kmPerMs: 100, timeScale: 0 },
    router: {
      port: 0,
      defaultClientLocation: { lat: 40.7128, lon: -74.006 },
      healthCheck: { intervalMs: overrides.healthIntervalMs ?? 500, timeoutMs: 300, unhealthyThreshold: 2, healthyThreshold: 1 },
    },
    origin: { id: 'origin', region: 'us-east-1', lat: 39.0438, lon: -77.4874, port: 0, dataDir: 'origin-data' },
    edges: (overrides.edges ?? TEST_EDGES).map((edge) => ({ ...edge, port: 0, maxSize: 8 * 1024 * 1024 })),
  };
}

export interface TestCluster extends Cluster {
  dir: string;
  logs: string[];
  /** Stops every process and removes the temp folder. */
  dispose(): Promise<void>;
}

/** Starts real origin, edge and router processes from a topology written to a temp folder. */
export async function startTestCluster(topology: object = testTopology()): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-test-'));
  const file = path.join(dir, 'topology.json');
  writeFileSync(file, JSON.stringify(topology));
  const logs: string[] = [];
  const cluster = await startCluster({
    topologyFile: file,
    runDir: path.join(dir, 'run'),
    adminToken: TEST_ADMIN_TOKEN,
    log: (line) => logs.push(line),
  });
  return Object.assign(cluster, {
    dir,
    logs,
    async dispose() {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
