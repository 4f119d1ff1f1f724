/**
 * Trace replay speed of `cdnsim sim` (issue 9): requests per second and peak memory, for the
 * reader alone (parse rate) and with each policy, on the shipped trace and on synthetic Zipf
 * traces of 1 and 10 million requests written by `cdnsim trace gen` into a temporary folder.
 * Each measurement is a fresh process (so peak RSS is its own), pinned to one CPU with taskset
 * unless it uses threads; the median of --repeat runs, taken in alternation, is shown.
 *
 * Then, when $LIBCACHESIM_CACHESIM names libCacheSim's `cachesim` binary, `cdnsim sim` beside it
 * as whole processes on the issue 15 trace (Zipf 0.9 over 1 million keys, --requests requests):
 * LRU at 10 % of the working set, objects and bytes; without it, says that the comparison is skipped.
 *
 * Run: npm run bench:sim [-- --repeat 3 --requests 10000000 --dir DIR (keep and reuse the traces) --no-pin --cachesim-only]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { POLICIES } from '../src/eviction/policies.ts';
import { simulateFile } from '../src/sim/simulate-file.ts';
import { workingSet } from '../src/sim/working-set.ts';
import { simulateBatches, type SimConfig } from '../src/sim/simulate.ts';
import { readTraceBatches, type TraceBatch } from '../src/trace/read-trace.ts';
import { compareWithCachesim, comparisonTable, findCachesim, median } from './lib/cachesim-comparison.ts';
import { printTable } from './lib/compare.ts';

/** perf.md, "Trace simulation": the issue's target, and a compiled C simulator reading the same CSV. */
const TARGET_RPS = 2_000_000;
const C_FROM_CSV_RPS = 4_000_000;

/** One measurement, run in a child process. */
interface Case {
  trace: string;
  file: string;
  /**
   * "parse": the reader alone, no policy; "policy": the trace read into memory first (not timed),
   * then replayed, so the policy and loop alone; "idle": only the imports (the baseline memory).
   */
  kind: 'parse' | 'sim' | 'policy' | 'idle';
  configs: SimConfig[];
  threads: number;
  /** Node options of the child, e.g. a cap on the old generation to show that memory is bounded. */
  nodeFlags?: string[];
  note?: string;
}

interface Measurement {
  requests: number;
  seconds: number;
  maxRssMb: number;
  peakHeapMb: number;
}

const self = fileURLToPath(import.meta.url);
const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    requests: { type: 'string', default: '10000000' },
    dir: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    'cachesim-only': { type: 'boolean', default: false },
  },
});

if (values.child) {
  console.log(JSON.stringify(await measure(JSON.parse(values.child) as Case)));
} else {
  await main();
}

/** Child: runs one case and reports its time and memory. */
async function measure(run: Case): Promise<Measurement> {
  let peakHeap = process.memoryUsage().heapUsed;
  // Sampled between batches (the replay is synchronous within one): the main thread's heap.
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
  const started = performance.now();
  let requests = 0;
  if (run.kind === 'policy') {
    const batches: TraceBatch[] = [];
    for await (const batch of readTraceBatches(run.file)) batches.push(batch);
    const replayStarted = performance.now();
    const [result] = await simulateBatches(
      (async function* () {
        yield* batches;
      })(),
      run.configs,
    );
    clearInterval(sampler);
    return { requests: result!.requests, seconds: (performance.now() - replayStarted) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, peakHeapMb: peakHeap / 2 ** 20 };
  }
  if (run.kind === 'parse') {
    for await (const batch of readTraceBatches(run.file)) requests += batch.length;
  } else if (run.kind === 'sim') {
    const { results } = await simulateFile(run.file, run.configs, { threads: run.threads });
    requests = results[0]!.requests;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  return { requests, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, peakHeapMb: peakHeap / 2 ** 20 };
}

function runChild(run: Case, pin: boolean): Promise<Measurement> {
  const node = [process.execPath, ...process.execArgv, ...(run.nodeFlags ?? []), self, '--child', JSON.stringify(run)];
  const [command, ...args] = pin ? ['taskset', '-c', '1', ...node] : node;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Measurement) : reject(new Error(`${run.trace} ${run.kind}: exit ${code}`))));
  });
}

/** The traces: the shipped one (gzip, and unpacked to plain CSV) and two Zipf traces. */
function prepareTraces(dir: string, requests: number): Record<string, string> {
  const traces: Record<string, string> = {
    'cloudPhysics .csv.gz': 'traces/cloudPhysicsIO.csv.gz',
    'cloudPhysics .csv': path.join(dir, 'cloudPhysicsIO.csv'),
  };
  if (!existsSync(traces['cloudPhysics .csv']!)) writeFileSync(traces['cloudPhysics .csv']!, gunzipSync(readFileSync('traces/cloudPhysicsIO.csv.gz')));
  // One million objects, Zipf 0.8, bounded-Pareto sizes of 1 KiB to 1 MiB (the bench's workload generator).
  for (const count of [1_000_000, requests]) {
    const name = `zipf ${count >= 1e6 ? `${count / 1e6}M` : count}`;
    const file = path.join(dir, `zipf-${count}.csv`);
    if (!existsSync(file)) {
      console.log(`writing ${file} ...`);
      cdnsim(['trace', 'gen', '--out', file, '--requests', String(count), '--objects', '1000000', '--alpha', '0.8', '--size', 'pareto:1024:1048576:1.2', '--seed', '1']);
    }
    traces[name] = file;
  }
  return traces;
}

async function main(): Promise<void> {
  const repeat = Number(values.repeat);
  const requests = Number(values.requests);
  const pin = !values['no-pin'] && spawnSync('taskset', ['-c', '1', 'true']).status === 0;
  const dir = values.dir ?? mkdtempSync(path.join(tmpdir(), 'cdnsim-bench-sim-'));
  mkdirSync(dir, { recursive: true });
  try {
    if (!values['cachesim-only']) await replayTable(dir, requests, repeat, pin);
    await besideCachesim(dir, requests, repeat);
  } finally {
    if (!values.dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** `cdnsim sim` and libCacheSim's cachesim, whole processes, on the issue 15 trace. */
async function besideCachesim(dir: string, requests: number, repeat: number): Promise<void> {
  const cachesim = findCachesim();
  if (!cachesim) {
    console.log('\nSkipping the comparison with libCacheSim: set LIBCACHESIM_CACHESIM to its cachesim binary (built with cmake from github.com/1a1a11a/libCacheSim) to run it.');
    return;
  }
  const file = path.join(dir, `zipf0.9-${requests}.csv`);
  if (!existsSync(file)) {
    console.log(`writing ${file} ...`);
    cdnsim(['trace', 'gen', '--out', file, '--requests', String(requests), '--objects', '1000000', '--alpha', '0.9', '--seed', '1']);
  }
  if (!compiledIsFresh()) console.log('Note: dist/ is older than src/, so bin/cdnsim.js runs the sources through tsx (slower to start, in every worker thread too): run `npm run build` first to time the compiled build.');
  const rows = await compareWithCachesim(cachesim, [process.execPath, 'bin/cdnsim.js'], file, repeat, ['objects', 'bytes']);
  console.log(
    `\ncdnsim sim beside libCacheSim's cachesim (${cachesim}): LRU at 10 % of the working set, ${requests} requests (Zipf 0.9 over 1 million keys, ` +
      `${(statSync(file).size / 1e6).toFixed(0)} MB of CSV), each a whole process, ${repeat} runs in alternation after a warm-up each, medians; ratios pair by pair.\n`,
  );
  printTable(comparisonTable(rows));
}

/** What bin/cdnsim.js decides: the build in dist/ runs when it is at least as new as every source file. */
function compiledIsFresh(): boolean {
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((entry) => (entry.isDirectory() ? newest(path.join(dir, entry.name)) : statSync(path.join(dir, entry.name)).mtimeMs)));
  return existsSync('dist/.built') && statSync('dist/.built').mtimeMs >= newest('src');
}

function cdnsim(args: string[]): void {
  const result = spawnSync(process.execPath, ['bin/cdnsim.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`cdnsim ${args.join(' ')} failed`);
}

async function replayTable(dir: string, requests: number, repeat: number, pin: boolean): Promise<void> {
  const traces = prepareTraces(dir, requests);
  const zipfSmall = Object.keys(traces).find((name) => name.startsWith('zipf'))!;
  const zipfLarge = Object.keys(traces).at(-1)!;
  // Cache sizes: 10 % of the working set (of the larger Zipf trace for both Zipf traces, so that
  // 1M and 10M requests run the same cache and memory can be compared).
  const cloud = await workingSet(traces['cloudPhysics .csv']!);
  const zipf = await workingSet(traces[zipfLarge]!);
  const tenth = (trace: string, mode: 'objects' | 'bytes') => Math.floor((trace.startsWith('zipf') ? zipf : cloud)[mode] * 0.1);
  const config = (trace: string, policy: string, mode: 'objects' | 'bytes'): SimConfig => ({ policy, capacity: tenth(trace, mode), mode });

  const cases: Case[] = [{ trace: '(imports only)', file: '', kind: 'idle', configs: [], threads: 1 }];
  for (const [trace, file] of Object.entries(traces)) cases.push({ trace, file, kind: 'parse', configs: [], threads: 1 });
  for (const [trace, file] of Object.entries(traces)) {
    for (const mode of ['objects', 'bytes'] as const) cases.push({ trace, file, kind: 'sim', configs: [config(trace, 'lru', mode)], threads: 1 });
  }
  // The split: LRU with the trace already in memory (no parsing), and bounded memory: 1M and 10M
  // requests through the same cache with the old generation capped at 64 MB.
  for (const trace of [zipfSmall, zipfLarge]) {
    cases.push({ trace, file: traces[trace]!, kind: 'policy', configs: [config(trace, 'lru', 'objects')], threads: 1, note: 'keys in memory, no parsing' });
  }
  for (const trace of [zipfSmall, zipfLarge]) {
    cases.push({ trace, file: traces[trace]!, kind: 'sim', configs: [config(trace, 'lru', 'objects')], threads: 1, nodeFlags: ['--max-old-space-size=64'], note: 'old space capped at 64 MB' });
  }
  for (const trace of ['cloudPhysics .csv', zipfSmall]) {
    for (const policy of Object.keys(POLICIES).filter((name) => name !== 'lru')) {
      cases.push({ trace, file: traces[trace]!, kind: 'sim', configs: [config(trace, policy, 'objects')], threads: 1 });
    }
  }
  // Many configurations in one pass, on one thread and on two.
  const many = ['lru', 's3fifo'].flatMap((policy) => [0.01, 0.1, 0.25].map((f) => ({ policy, capacity: Math.floor(zipf.objects * f), mode: 'objects' as const })));
  for (const threads of [1, 2]) cases.push({ trace: zipfSmall, file: traces[zipfSmall]!, kind: 'sim', configs: many, threads });

  const sizeMb = (file: string) => (file ? (statSync(file).size / 1e6).toFixed(0) : '');
  console.log(
    `${repeat} alternating runs per row, median shown; one fresh process each${pin ? ', pinned to CPU 1 (taskset) unless threaded' : ''}.\n` +
      `Cache sizes: 10 % of the working set (cloudPhysics ${cloud.objects} objects / ${cloud.bytes} bytes; Zipf ${zipf.objects} objects / ${zipf.bytes} bytes).\n` +
      `Trace files: ${Object.entries(traces).map(([name, file]) => `${name} ${sizeMb(file)} MB`).join(', ')}.\n`,
  );
  const measured = cases.map(() => [] as Measurement[]);
  for (let round = 0; round < repeat; round++) {
    for (const [i, run] of cases.entries()) {
      measured[i]!.push(await runChild(run, pin && run.threads === 1));
      process.stderr.write(`\rround ${round + 1}/${repeat}, case ${i + 1}/${cases.length}   `);
    }
  }
  process.stderr.write('\n');
  const rows = [['trace', 'mode', 'policy', 'threads', 'requests', 'seconds', 'requests/s', 'peak RSS MB', 'peak heap MB', 'x 2M target', 'x C ~4M/s']];
  for (const [i, run] of cases.entries()) {
    const runs = measured[i]!;
    const seconds = median(runs.map((m) => m.seconds));
    const rate = median(runs.map((m) => m.requests / m.seconds));
    const policy =
      run.kind === 'parse' ? '(parse only)' : run.kind === 'idle' ? '-' : [...new Set(run.configs.map((c) => c.policy))].join(',') + (run.configs.length > 1 ? ` (${run.configs.length} sizes x policies)` : '') + (run.note ? ` (${run.note})` : '');
    rows.push([
      run.trace,
      run.configs[0]?.mode ?? '-',
      policy,
      String(run.threads),
      run.kind === 'idle' ? '-' : String(runs[0]!.requests),
      run.kind === 'idle' ? '-' : seconds.toFixed(3),
      run.kind === 'idle' ? '-' : Math.round(rate).toLocaleString('en-US'),
      median(runs.map((m) => m.maxRssMb)).toFixed(0),
      median(runs.map((m) => m.peakHeapMb)).toFixed(0),
      run.kind === 'idle' ? '-' : (rate / TARGET_RPS).toFixed(2),
      run.kind === 'idle' ? '-' : (rate / C_FROM_CSV_RPS).toFixed(2),
    ]);
  }
  printTable(rows);
  console.log(
    '\nrequests/s counts trace requests (one pass); with several configurations each request feeds all of them.' +
      '\npeak heap is the main thread\'s (sampled between batches); peak RSS is the whole process, workers included.',
  );
}
