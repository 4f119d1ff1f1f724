/**
 * `cdnsim sim` beside libCacheSim's `cachesim` on the same CSV and settings (LRU, 10 % of the
 * working set), each a whole process from start to exit, timed in alternation (cdnsim, cachesim,
 * cdnsim, ...) so that the machine's drift falls on both; the ratio is taken pair by pair.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';

export interface WholeProcess {
  wallSeconds: number;
  cpuSeconds: number;
  /** Largest resident set of the process, MB; NaN without /usr/bin/time. */
  peakMb: number;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';

/** Runs a command to its exit; wall and CPU time and peak memory from GNU time when it is installed. */
export function wholeProcess(command: string, args: readonly string[], cwd?: string): Promise<WholeProcess> {
  const timed = existsSync(GNU_TIME);
  const [program, ...rest] = timed ? [GNU_TIME, '-f', 'cdnsim-bench %e %U %S %M', command, ...args] : [command, ...args];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(program!, rest, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')}: exit ${code}\n${stderr.slice(-2000)}`));
      // The last match: cachesim's own log lines end in colour codes, not always in a newline.
      const line = [...stderr.matchAll(/cdnsim-bench ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9]+)/g)].at(-1);
      const [wall, user, system, maxKb] = line ? line.slice(1).map(Number) : [];
      resolve({
        wallSeconds: line ? wall! : (performance.now() - started) / 1000,
        cpuSeconds: line ? user! + system! : NaN,
        peakMb: line ? maxKb! / 1024 : NaN,
        stdout,
      });
    });
  });
}

/** cachesim's -t for a CSV written by `cdnsim trace gen`: its columns are 1-based, read from the header. */
export function cachesimCsvParams(file: string): string {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(4096);
  const bytes = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const names = head.toString('utf8', 0, bytes).split('\n')[0]!.trim().split(',');
  const column = (name: string) => {
    const at = names.indexOf(name);
    if (at < 0) throw new Error(`${file}: no "${name}" column for cachesim`);
    return at + 1;
  };
  return `time-col=${column('timestamp')}, obj-id-col=${column('key')}, obj-size-col=${column('size')}, has-header=true, delimiter=,`;
}

export interface ComparisonRow {
  mode: 'objects' | 'bytes';
  cdnsim: WholeProcess[];
  cachesim: WholeProcess[];
  cdnsimMissRatio: number;
  cachesimMissRatio: number;
}

/** Each side `repeat` times in alternation, after one warm-up run each (file cache, JIT-less start-up). */
export async function compareWithCachesim(cachesim: string, cdnsim: readonly string[], trace: string, repeat: number, modes: readonly ('objects' | 'bytes')[]): Promise<ComparisonRow[]> {
  const params = cachesimCsvParams(trace);
  // cachesim writes a result file named after the trace into its working folder: keep it beside the trace.
  const resultDir = path.dirname(path.resolve(trace));
  const rows: ComparisonRow[] = [];
  for (const mode of modes) {
    const ours = [...cdnsim, 'sim', '--trace', trace, '--policy', 'lru', '--cache-size', '0.1', '--mode', mode, '--json'];
    // cachesim counts bytes unless told to count every object as 1.
    const theirs = [trace, 'csv', 'lru', '0.1', '-t', params, ...(mode === 'objects' ? ['--ignore-obj-size', '1'] : [])];
    const [command, ...args] = ours;
    await wholeProcess(command!, args);
    await wholeProcess(cachesim, theirs, resultDir);
    const row: ComparisonRow = { mode, cdnsim: [], cachesim: [], cdnsimMissRatio: NaN, cachesimMissRatio: NaN };
    for (let round = 0; round < repeat; round++) {
      process.stderr.write(`\rcachesim comparison, ${mode}: round ${round + 1}/${repeat}   `);
      row.cdnsim.push(await wholeProcess(command!, args));
      row.cachesim.push(await wholeProcess(cachesim, theirs, resultDir));
    }
    process.stderr.write('\n');
    row.cdnsimMissRatio = (JSON.parse(row.cdnsim[0]!.stdout.trim().split('\n')[0]!) as { miss_ratio: number }).miss_ratio;
    // "... LRU cache size 89784, 10000000 req, miss ratio 0.3784, throughput ..."
    const match = /miss ratio ([0-9.]+)/.exec(row.cachesim[0]!.stdout);
    row.cachesimMissRatio = match ? Number(match[1]) : NaN;
    rows.push(row);
  }
  return rows;
}

/** The cachesim binary: $LIBCACHESIM_CACHESIM, when it is set and runs. */
export function findCachesim(): string | undefined {
  const candidate = process.env.LIBCACHESIM_CACHESIM;
  if (!candidate || !existsSync(candidate)) return undefined;
  const probe = spawnSync(candidate, ['--help'], { encoding: 'utf8' });
  return probe.error ? undefined : candidate;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The rows to print: medians of each side, and the median of the pair-by-pair ratios. */
export function comparisonTable(rows: readonly ComparisonRow[]): string[][] {
  const table = [['mode', 'cdnsim wall s', 'cachesim wall s', 'cdnsim/cachesim wall', 'cdnsim cpu s', 'cachesim cpu s', 'cdnsim/cachesim cpu', 'peak MB cdnsim', 'peak MB cachesim', 'miss ratio cdnsim', 'miss ratio cachesim']];
  for (const row of rows) {
    const pairs = (pick: (run: WholeProcess) => number) => median(row.cdnsim.map((run, i) => pick(run) / pick(row.cachesim[i]!)));
    const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
    table.push([
      row.mode,
      fixed(median(row.cdnsim.map((run) => run.wallSeconds)), 2),
      fixed(median(row.cachesim.map((run) => run.wallSeconds)), 2),
      fixed(pairs((run) => run.wallSeconds), 2),
      fixed(median(row.cdnsim.map((run) => run.cpuSeconds)), 2),
      fixed(median(row.cachesim.map((run) => run.cpuSeconds)), 2),
      fixed(pairs((run) => run.cpuSeconds), 2),
      fixed(median(row.cdnsim.map((run) => run.peakMb)), 0),
      fixed(median(row.cachesim.map((run) => run.peakMb)), 0),
      fixed(row.cdnsimMissRatio, 4),
      fixed(row.cachesimMissRatio, 4),
    ]);
  }
  return table;
}
