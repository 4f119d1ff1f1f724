/**
 * What the router's DNS server answers alone: queries per second for the CDN hostname, each with
 * an ECS subnet, against the router process of the default topology (delay off, every edge up).
 * The router has CPU 0; the load has CPU 1: dnsperf (Debian's dnsperf, when installed) with one
 * fixed subnet, then this script's own UDP flood from Node cycling through 1,000 subnets of six
 * continents, so the client-location code runs as it does for many resolvers' clients.
 * Run: node --import tsx bench/dns-qps.ts [--seconds 5] [--window 256]
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { clientSubnetFor } from '../src/dns/client-subnet.ts';
import { startCluster } from '../src/supervisor/cluster.ts';
import { CountryAddressSampler } from '../src/workload/country-addresses.ts';
import { createRandom } from '../src/workload/random.ts';
import { pinToCpu } from './lib/pin.ts';

const run = promisify(execFile);
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, window: { type: 'string', default: '256' } } });
const seconds = Number(values.seconds);
const window = Number(values.window);

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-bench-dns-'));
const topology = JSON.parse(readFileSync('topology.json', 'utf8'));
topology.network.timeScale = 0;
topology.origin.dataDir = path.join(dir, 'origin-data');
const topologyFile = path.join(dir, 'topology.json');
writeFileSync(topologyFile, JSON.stringify(topology));
const cluster = await startCluster({ topologyFile, runDir: path.join(dir, 'run'), adminToken: 'bench', ephemeralPorts: true, log: () => undefined });
try {
  const dns = cluster.dns!;
  const router = cluster.members.find((member) => member.role === 'router')!;
  await pinToCpu(router.pid!, 0);
  await pinToCpu(process.pid, 1);
  console.log(`router DNS on ${dns.host}:${dns.port} (router pid ${router.pid}, CPU 0); load on CPU 1; ${seconds} s each`);

  const dnsperf = await run('dnsperf', ['-h']).then(() => true, () => false);
  if (dnsperf) {
    const data = path.join(dir, 'queries.txt');
    writeFileSync(data, `${dns.hostname} A\n`);
    const ecs = clientSubnetFor('133.242.0.3', 24).toString('hex');
    const { stdout } = await run('taskset', ['-c', '1', 'dnsperf', '-s', dns.host, '-p', String(dns.port), '-d', data, '-l', String(seconds), '-c', '4', '-q', String(window), '-E', `8:${ecs}`]);
    const qps = /Queries per second:\s+([\d.]+)/.exec(stdout)?.[1];
    const lost = /Queries lost:\s+(\d+)/.exec(stdout)?.[1];
    console.log(`dnsperf, one /24 (Japan): ${Number(qps).toFixed(0)} queries/s, ${lost} lost`);
  } else {
    console.log('dnsperf not installed (apt-get install dnsperf): only the Node flood runs');
  }

  const sampler = CountryAddressSampler.load();
  const random = createRandom(15);
  const countries = ['US', 'DE', 'JP', 'BR', 'AU', 'ZA', 'IN', 'GB'];
  const queriesFor = (subnets: number) =>
    Array.from({ length: subnets }, (_, index) =>
      dnsPacket.encode({
        type: 'query',
        id: index & 0xffff,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: 'A', name: dns.hostname }],
        // A raw ECS payload: dns-packet encodes `data` as given; its typings want decoded fields.
        additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [{ code: 8, data: clientSubnetFor(sampler.sample(countries[index % countries.length]!, random)!, 24) }] as never }],
      }),
    );
  // 1,000 subnets: repeated queries, answered from the packet cache as a resolver's repeats are.
  console.log(`Node flood, 1,000 subnets of 8 countries (answers cached): ${(await flood(dns.port, dns.host, queriesFor(1_000))).toFixed(0)} queries/s`);
  // 200,000 subnets cycle through a 10,000-entry cache: nearly every query is decoded, located and encoded.
  console.log(`Node flood, 200,000 subnets (nearly every answer computed): ${(await flood(dns.port, dns.host, queriesFor(200_000))).toFixed(0)} queries/s`);
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Keeps `window` queries in flight on each of 4 sockets; counts answers (NOERROR with an address) per second. */
async function flood(port: number, host: string, queries: Buffer[]): Promise<number> {
  let answered = 0;
  let bad = 0;
  let next = 0;
  const sockets = Array.from({ length: 4 }, () => createSocket('udp4'));
  const send = (socket: (typeof sockets)[number]) => {
    socket.send(queries[next++ % queries.length]!, port, host);
  };
  // One second of warm-up (JIT, memo of locations) before the counted seconds.
  const ended = performance.now() + 1000 + seconds * 1000;
  let counting = false;
  const starts: number[] = [];
  for (const socket of sockets) {
    let heard = 0;
    socket.on('message', (reply) => {
      heard++;
      if (counting) {
        if ((reply.readUInt16BE(2) & 0xf) === 0 && reply.readUInt16BE(6) === 1) answered++;
        else bad++;
      }
      if (performance.now() < ended) send(socket);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    // Lost datagrams would shrink the window for good: top it up when a socket has heard nothing.
    let last = 0;
    const timer = setInterval(() => {
      if (heard === last && performance.now() < ended) for (let i = 0; i < window; i++) send(socket);
      last = heard;
    }, 200);
    timer.unref();
  }
  for (const socket of sockets) for (let i = 0; i < window; i++) send(socket);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  counting = true;
  starts.push(performance.now());
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ended - performance.now())));
  counting = false;
  const elapsed = (performance.now() - starts[0]!) / 1000;
  for (const socket of sockets) socket.close();
  if (bad > 0) console.log(`  (${bad} answers without an address)`);
  return answered / elapsed;
}
