import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { escapeText } from '../../charts/escape-text.ts';
import { lineChart } from '../../charts/svg.ts';
import { parseCacheSize, resolveCacheSize } from '../../sim/cache-size.ts';
import { POLICIES } from '../../eviction/policies.ts';
import type { SimResult, SizeMode } from '../../sim/simulate.ts';
import { simulateFile } from '../../sim/simulate-file.ts';
import { firstPass } from '../../sim/working-set.ts';
import { TraceFormatError } from '../../trace/trace-request.ts';
import { HelpRequested, formatUsage, parseCommand, wantsHelp } from '../command-spec.ts';
import { choiceOption, numberOption } from '../option-values.ts';
import { simCdnSpec } from '../options/sim-cdn.ts';
import { simSpec } from '../options/sim.ts';
import { UsageError } from '../usage-error.ts';
import { readableTrace, traceReading } from './trace-input.ts';

export async function simCommand(args: string[]): Promise<void> {
  if (wantsHelp(args)) throw new HelpRequested(formatUsage(simSpec, simCdnSpec));
  // The whole CDN (routing, edges, network model) is its own command with its own options.
  if (args.some((arg) => arg === '--topology' || arg.startsWith('--topology='))) return (await import('./sim-cdn.ts')).simCdnCommand(args);
  const { values } = parseCommand(simSpec, args);
  const traceFile = readableTrace(values.trace);
  const mode: SizeMode = choiceOption('mode', values.mode, ['objects', 'bytes'] as const)!;
  const threads = numberOption('threads', values.threads, { integer: true, min: 1 });
  const policies = values.policy.split(',').map((name) => name.trim().toLowerCase());
  for (const policy of policies) {
    if (!POLICIES[policy]) throw new UsageError(`unknown policy "${policy}" (known: ${Object.keys(POLICIES).join(', ')})`);
  }
  const specs = values['cache-size'].split(',').map((text) => {
    try {
      return { text: text.trim(), spec: parseCacheSize(text) };
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
  const traceOptions = traceReading(values);
  try {
    // A first pass for the working set (unique objects and the sum of their first-seen sizes), which may keep the requests for the replay.
    const first = specs.some(({ spec }) => spec.kind === 'fraction') ? await firstPass(traceFile, traceOptions, policies) : undefined;
    const workingSet = first?.workingSet ?? { objects: 0, bytes: 0 };
    const configs = policies.flatMap((policy) =>
      specs.map(({ text, spec }) => {
        const capacity = resolveCacheSize(spec, mode, workingSet);
        if (capacity <= 0) throw new UsageError(`cache size ${text} of this trace's working set is 0 ${mode}`);
        return { policy, capacity, mode };
      }),
    );
    const { results, skipped, threads: used } = await simulateFile(traceFile, configs, { ...traceOptions, threads, spool: first?.spool });
    if (values.out) writeMissRatioCurves(values.out, traceFile, results);
    if (values.json) {
      for (const { evictions: _evictions, ...result } of results) console.log(JSON.stringify(result));
    } else {
      const rows = [['policy', 'cache size', 'mode', 'requests', 'misses', 'miss ratio', 'bytes', 'miss bytes', 'byte miss ratio', 'evictions']];
      for (const r of results) {
        rows.push([r.policy, String(r.cache_size), r.mode, String(r.requests), String(r.misses), r.miss_ratio.toFixed(4), String(r.bytes), String(r.miss_bytes), r.byte_miss_ratio.toFixed(4), String(r.evictions)]);
      }
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
      for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
      const seconds = Math.max(...results.map((result) => result.seconds));
      console.log(`\n${seconds.toFixed(2)} s for one pass over the trace${used > 1 ? ` (configurations split over ${used} threads)` : ''}${skipped ? `; ${skipped} malformed lines skipped` : ''}`);
    }
  } catch (error) {
    if (error instanceof TraceFormatError) throw new UsageError(error.message);
    throw error;
  }
}

/** results.jsonl and mrc.html (miss ratio against cache size on a log axis, one line per policy). */
function writeMissRatioCurves(dir: string, trace: string, results: SimResult[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'results.jsonl'), results.map((result) => JSON.stringify(result)).join('\n') + '\n');
  const series: Record<string, [number, number][]> = {};
  for (const result of [...results].sort((a, b) => a.cache_size - b.cache_size)) {
    (series[result.policy] ??= []).push([result.cache_size, result.miss_ratio]);
  }
  const mode = results[0]?.mode ?? 'objects';
  writeFileSync(
    path.join(dir, 'mrc.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Miss ratio curves</title></head>
<body style="font:14px system-ui,sans-serif;margin:24px"><h1>Miss ratio curves: ${escapeText(path.basename(trace))}</h1>
${lineChart('Request miss ratio by cache size', series, { logX: true, xLabel: `cache size (${mode}, log)`, yLabel: 'miss ratio', yMax: 1 })}
</body></html>
`,
  );
}
