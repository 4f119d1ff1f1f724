/**
 * What edge functions cost, and whether they run exactly as often as CloudFront runs them:
 * 1. the CPU a trivial viewer-request function adds to a cache HIT, in each profile, against an
 *    edge without functions (three standalone edges in front of one origin, the same fixed count
 *    of HITs each, in alternating rounds; the edge's own process CPU from its /metrics, which counts
 *    its worker threads too);
 * 2. cold start of each profile (compile the sandbox and run the first invocation, in this process);
 * 3. a bench run through a topology with a viewer-request (cloudfront-js) and an origin-request
 *    (lambda-node) function, checked from the edges' /metrics: viewer-request invocations equal
 *    requests, and origin-request invocations equal misses, exactly.
 * Run: npm run bench:functions [-- --requests 5000 --rounds 3 --connections 8 --bench-requests 10000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool, request } from 'undici';
import { loadFunction } from '../src/functions/load.ts';
import type { FunctionRuntime, FunctionSpec } from '../src/functions/types.ts';
import { scrapeProcessSample } from '../src/loadgen/process-sample.ts';
import { ManagedChild } from '../src/supervisor/child.ts';
import { startCluster } from '../src/supervisor/cluster.ts';
import { waitHealthy } from '../src/supervisor/health-wait.ts';
import { printTable } from './lib/compare.ts';
import { startPortPrinter } from './lib/processes.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    'cold-starts': { type: 'string', default: '5' },
    'bench-requests': { type: 'string', default: '10000' },
  },
});
const options = {
  requests: Number(values.requests),
  rounds: Number(values.rounds),
  connections: Number(values.connections),
  coldStarts: Number(values['cold-starts']),
  benchRequests: Number(values['bench-requests']),
};
for (const [name, value] of Object.entries(options)) {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name}: a positive integer, got ${value}`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-bench-functions-'));
/** The least a function can do: hand the request back unchanged. */
const TRIVIAL: Record<FunctionRuntime, string> = {
  'cloudfront-js': writeFile('trivial-cf.js', 'function handler(event) {\n  return event.request;\n}\n'),
  'lambda-node': writeFile('trivial-lambda.mjs', 'export const handler = async (event) => event.Records[0].cf.request;\n'),
};

function writeFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  await hitCost();
  await coldStarts();
  await invocationCounts();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Part 1: CPU µs per HIT of each edge, median over rounds; the function's share is the difference from the bare edge. */
async function hitCost(): Promise<void> {
  const map = await startPortPrinter('bench/lib/map-server.ts');
  const origin = `http://127.0.0.1:${map.port}`;
  const variants: { name: string; args: string[] }[] = [
    { name: 'no function', args: [] },
    ...(['cloudfront-js', 'lambda-node'] as const).map((runtime) => ({
      name: runtime,
      args: ['--function', `viewer-request=${TRIVIAL[runtime]}`, '--function-runtime', runtime],
    })),
  ];
  const edges = variants.map(
    ({ name, args }, index) =>
      new ManagedChild(
        {
          role: 'edge',
          id: `fn${index}`,
          region: 'bench',
          port: 0,
          args: (port) => ['edge', '--id', `fn${index}`, '--port', String(port), '--origin', origin, '--max-size', String(64 * 1024 * 1024), ...args],
        },
        { env: process.env, log: (line) => (line.includes('error') ? console.error(`${name}: ${line}`) : undefined), prefixWidth: 6 },
      ),
  );
  try {
    // One at a time: on a busy machine three starting at once can each miss the start timeout.
    for (const edge of edges) {
      await edge.start();
      await waitHealthy(edge.url);
    }
    const cpu = variants.map(() => [] as number[]);
    const wall = variants.map(() => [] as number[]);
    // The first request primes the cache; the rest of the warm-up lets each edge settle (JIT, pools).
    for (const edge of edges) await hits(edge.url, 200, false);
    for (let round = 0; round < options.rounds; round++) {
      // A different edge goes first each round, so no profile always meets the machine at its busiest.
      for (let k = 0; k < edges.length; k++) {
        const index = (round + k) % edges.length;
        const { cpuUs, wallUs } = await measureHits(edges[index]!.url, options.requests);
        cpu[index]!.push(cpuUs);
        wall[index]!.push(wallUs);
      }
    }
    const bare = median(cpu[0]!);
    const rows = [['edge', 'CPU µs/HIT (median)', 'added by the function', 'rounds (µs)', 'wall µs/HIT']];
    variants.forEach(({ name }, index) => {
      const value = median(cpu[index]!);
      rows.push([name, value.toFixed(1), index === 0 ? '-' : (value - bare).toFixed(1), cpu[index]!.map((us) => us.toFixed(0)).join(' '), median(wall[index]!).toFixed(1)]);
    });
    console.log(`1. CPU per cache HIT, ${options.requests} HITs per edge per round, ${options.rounds} rounds, ${options.connections} connections (undici)\n`);
    printTable(rows);
  } finally {
    await Promise.all(edges.map((edge) => edge.stop()));
    map.child.kill('SIGTERM');
  }
}

async function hits(url: string, count: number, allHits: boolean): Promise<void> {
  const pool = new Pool(url, { connections: options.connections });
  let next = 0;
  try {
    const worker = async () => {
      while (next++ < count) {
        const response = await pool.request({ method: 'GET', path: '/1k', headersTimeout: 10_000, bodyTimeout: 10_000 });
        await response.body.dump();
        const xCache = String(response.headers['x-cache']);
        // Measured requests must all be HITs, or the figure is not a HIT's cost.
        if (response.statusCode !== 200 || (allHits && xCache !== 'HIT')) throw new Error(`${url}/1k: ${response.statusCode} ${xCache}`);
      }
    };
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    await pool.close();
  }
}

async function measureHits(url: string, count: number): Promise<{ cpuUs: number; wallUs: number }> {
  const before = await scrapeProcessSample(`${url}/metrics`);
  const started = performance.now();
  await hits(url, count, true);
  const wallUs = ((performance.now() - started) * 1000) / count;
  const after = await scrapeProcessSample(`${url}/metrics`);
  if (!before || !after) throw new Error(`${url}/metrics: no process_cpu_seconds_total`);
  return { cpuUs: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / count, wallUs };
}

/** Part 2: load + first invocation, in a fresh sandbox each time; the first in this process also pays module and WASM set-up. */
async function coldStarts(): Promise<void> {
  const rows = [['profile', 'first in process ms', `median of next ${options.coldStarts - 1} ms`, 'of which load ms (median)']];
  for (const runtime of ['cloudfront-js', 'lambda-node'] as const) {
    const spec: FunctionSpec = { id: `cold-${runtime}`, file: TRIVIAL[runtime], runtime, triggers: ['viewer-request'] };
    const totals: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < options.coldStarts; i++) {
      const started = performance.now();
      const fn = await loadFunction(spec, 1);
      const loaded = performance.now();
      const result = await fn.invoke({
        trigger: 'viewer-request',
        request: { method: 'GET', uri: '/1k', querystring: '', headers: { host: ['bench.cdnsim.test'] }, clientIp: '127.0.0.1' },
        context: { edgeId: 'bench', requestId: `cold-${i}` },
      });
      totals.push(performance.now() - started);
      loads.push(loaded - started);
      await fn.close();
      if (result.kind !== 'request') throw new Error(`${runtime}: the trivial function gave ${JSON.stringify(result)}`);
    }
    const rest = totals.slice(1);
    rows.push([runtime, totals[0]!.toFixed(1), rest.length ? median(rest).toFixed(1) : '-', median(loads.slice(1).length ? loads.slice(1) : loads).toFixed(1)]);
  }
  console.log('\n2. Cold start (load the function into a new sandbox, then its first invocation)\n');
  printTable(rows);
}

/** Part 3: a bench run through the router, then every edge's counters. */
async function invocationCounts(): Promise<void> {
  const topologyFile = path.join(dir, 'topology.json');
  const edges = [
    { id: 'iad', city: 'Ashburn', region: 'na-east', lat: 39.0438, lon: -77.4874 },
    { id: 'fra', city: 'Frankfurt', region: 'eu-central', lat: 50.1109, lon: 8.6821 },
    { id: 'nrt', city: 'Tokyo', region: 'ap-northeast', lat: 35.6762, lon: 139.6503 },
  ];
  writeFileSync(
    topologyFile,
    JSON.stringify({
      name: 'bench:functions',
      network: { baseMs: 0, kmPerMs: 100, timeScale: 0 },
      router: { port: 0, defaultClientLocation: { lat: 40.7128, lon: -74.006 } },
      origin: { id: 'origin', region: 'us-east-1', lat: 39.0438, lon: -77.4874, port: 0, dataDir: 'origin-data' },
      edges: edges.map((edge) => ({ ...edge, port: 0, maxSize: 4 * 1024 * 1024 })),
      functions: [
        { id: 'vr', file: TRIVIAL['cloudfront-js'], runtime: 'cloudfront-js', triggers: ['viewer-request'] },
        { id: 'or', file: TRIVIAL['lambda-node'], runtime: 'lambda-node', triggers: ['origin-request'] },
      ],
    }),
  );
  const cluster = await startCluster({ topologyFile, runDir: path.join(dir, 'run'), adminToken: 'bench-functions', log: (line) => (/error|exit|fail/i.test(line) ? console.error(line) : undefined), ephemeralPorts: true });
  try {
    const out = path.join(dir, 'report');
    const args = ['bench', '--target', cluster.routerUrl, '--requests', String(options.benchRequests), '--warmup', '0', '--no-ceiling'];
    args.push('--objects', '3000', '--countries', 'US:1,DE:1,JP:1', '--concurrency', '16', '--out', out);
    const bench = spawnSync(process.execPath, ['bin/cdnsim.js', ...args], { encoding: 'utf8', timeout: 600_000 });
    if (bench.status !== 0) throw new Error(`cdnsim bench failed (${bench.status}): ${bench.stderr}`);
    const rows = [['edge', 'requests', 'misses', 'viewer-request invocations', 'origin-request invocations', 'equal', 'not ok (outcome: count)']];
    let requests = 0;
    let allEqual = true;
    for (const member of cluster.members.filter((m) => m.role === 'edge')) {
      const text = await metricsText(member.url);
      const served = sum(text, 'cdn_edge_requests_total', {});
      const misses = sum(text, 'cdn_edge_requests_total', { cache_status: 'miss' });
      const viewer = sum(text, 'cdn_edge_function_invocations_total', { trigger: 'viewer-request' });
      const origin = sum(text, 'cdn_edge_function_invocations_total', { trigger: 'origin-request' });
      const equal = viewer === served && origin === misses;
      allEqual &&= equal;
      requests += served;
      rows.push([member.id, String(served), String(misses), String(viewer), String(origin), equal ? 'yes' : 'NO', notOk(text)]);
    }
    console.log(`\n3. cdnsim bench --requests ${options.benchRequests} through a topology with a viewer-request (cloudfront-js) and an origin-request (lambda-node) function\n`);
    printTable(rows);
    const summary = bench.stdout.split('\n').slice(0, 3).join('\n');
    console.log(`\n${summary}`);
    console.log(`\nrequests counted by the edges: ${requests} of ${options.benchRequests} sent; invocations ${allEqual ? 'equal' : 'DO NOT equal'} requests and misses on every edge`);
    if (!allEqual || requests !== options.benchRequests) process.exitCode = 1;
  } finally {
    await cluster.stop();
  }
}

/** An edge's /metrics; once more if a kept-alive connection closed just as it was reused (the server's idle timeout). */
async function metricsText(url: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await request(`${url}/metrics`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
      return await response.body.text();
    } catch (error) {
      if (attempt >= 2 || (error as { code?: string }).code !== 'UND_ERR_SOCKET') throw error;
    }
  }
}

/** Invocations whose outcome was not ok, by trigger and outcome ("viewer-request timeout: 1"), or "none". */
function notOk(text: string): string {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cdn_edge_function_invocations_total{') || line.includes('outcome="ok"')) continue;
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    const trigger = /trigger="([^"]+)"/.exec(line)?.[1];
    const outcome = /outcome="([^"]+)"/.exec(line)?.[1];
    if (count > 0) found.push(`${trigger} ${outcome}: ${count}`);
  }
  return found.join(', ') || 'none';
}

/** The sum of a counter's series whose labels include `match`. */
function sum(text: string, name: string, match: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(match).every(([key, value]) => labels.includes(`${key}="${value}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
