import path from 'node:path';
import { parseCommand } from '../command-spec.ts';
import { upSpec } from '../options/up.ts';
import { ADMIN_TOKEN_ENV, adminTokenFromEnv, generateAdminToken } from '../../admin/token.ts';
import { StartError } from '../../supervisor/child.ts';
import { startCluster, type ClusterMember } from '../../supervisor/cluster.ts';


export async function upCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(upSpec, args);
  const startedAt = performance.now();
  const generated = adminTokenFromEnv() === undefined;
  const adminToken = adminTokenFromEnv() ?? generateAdminToken();
  const log = (line: string) => console.log(line);
  let cluster;
  try {
    cluster = await startCluster({
      topologyFile: values.topology,
      runDir: path.resolve(values['run-dir']),
      adminToken,
      log,
    });
  } catch (error) {
    if (error instanceof StartError) {
      console.error(`cdnsim: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(2);
  console.log(`\n${formatTable(cluster.members)}\n`);
  console.log(`all ${cluster.members.length} processes healthy in ${seconds} s; router: ${cluster.routerUrl}`);
  console.log(
    generated
      ? `admin token (generated; set ${ADMIN_TOKEN_ENV} to choose one): ${adminToken}`
      : `admin token: from ${ADMIN_TOKEN_ENV}`,
  );
  console.log(`prometheus config: ${path.join(cluster.runDir, 'prometheus.yml')}   dashboard: ${cluster.routerUrl}/_cdn/dashboard`);
  console.log(`try: curl -i ${cluster.routerUrl}/gen/42?bytes=1024    (Ctrl-C stops everything)`);
  if (cluster.dns) console.log(`DNS: ${cluster.dns.hostname} (TTL ${cluster.dns.ttl} s) at ${cluster.dns.host}:${cluster.dns.port}; try: dig @${cluster.dns.host} -p ${cluster.dns.port} ${cluster.dns.hostname} +subnet=133.242.0.0/24`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping all processes`);
    await cluster.stop();
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function formatTable(members: ClusterMember[]): string {
  const rows = [['ROLE', 'ID', 'REGION', 'URL', 'PID'], ...members.map((m) => [m.role, m.id, m.region, m.url, String(m.pid ?? '')])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
