import { wrk, type WrkResult } from './wrk.ts';

export interface CompareOptions {
  seconds: number;
  warmup: number;
  rounds: number;
  connections: number;
  /** CPU for wrk (the servers are pinned elsewhere). */
  cpu: number;
}

/** The run with the median throughput (its latencies come with it). */
function median(results: WrkResult[]): WrkResult {
  return [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(results.length / 2)]!;
}

/**
 * Measures several URLs with the same load generator: a warm-up each (JIT), then alternating
 * rounds so the machine's noise falls on every target alike; the median round of each is kept.
 */
export async function compare(
  targets: readonly (readonly [name: string, url: string, headers?: Readonly<Record<string, string>>])[],
  options: CompareOptions,
): Promise<Map<string, WrkResult>> {
  const run = { connections: options.connections, cpu: options.cpu };
  for (const [, url, headers] of targets) if (options.warmup > 0) await wrk(url, { ...run, seconds: options.warmup, headers });
  const runs = new Map<string, WrkResult[]>();
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, url, headers] of targets) {
      const result = await wrk(url, { ...run, seconds: options.seconds, headers });
      runs.set(name, [...(runs.get(name) ?? []), result]);
    }
  }
  return new Map([...runs].map(([name, results]) => [name, median(results)]));
}

export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}
