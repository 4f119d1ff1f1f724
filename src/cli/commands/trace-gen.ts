import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { parseCountryWeights } from '../../workload/country-weights.ts';
import { parseSizeDistribution } from '../../workload/size-distribution.ts';
import { Workload } from '../../workload/workload.ts';
import { CSV_TRACE_HEADER, csvTraceLine, type CsvTraceRow } from '../../trace/csv-trace-line.ts';
import { didYouMean } from '../closest.ts';
import { HelpRequested, formatUsage, parseCommand, wantsHelp } from '../command-spec.ts';
import { numberOption, ttlListOption } from '../option-values.ts';
import { traceGenSpec } from '../options/trace-gen.ts';
import { UsageError } from '../usage-error.ts';

/**
 * `cdnsim trace gen`: a synthetic CSV trace from the bench's own workload generator, so a trace
 * and a bench run with the same options and seed describe the same traffic.
 */
function csvLine(row: CsvTraceRow): string {
  try {
    return csvTraceLine(row);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function traceCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'gen') {
    if (wantsHelp(args)) throw new HelpRequested(formatUsage(traceGenSpec));
    if (sub === undefined) throw new UsageError('trace takes a subcommand: cdnsim trace gen --out FILE [options] (cdnsim trace gen --help)');
    throw new UsageError(`unknown subcommand 'trace ${sub}'${didYouMean(sub, ['gen'])} (cdnsim trace gen --help)`);
  }
  const { values } = parseCommand(traceGenSpec, rest);
  if (!values.out) throw new UsageError('--out FILE is required (.csv, or .csv.gz to compress)');
  const count = (name: 'objects' | 'requests') => numberOption(name, values[name], { integer: true, above: 0 }, 0);
  const alpha = numberOption('alpha', values.alpha, { above: 0 }, 0);
  const rate = numberOption('rate', values.rate, { above: 0 }, 0);
  const seed = numberOption('seed', values.seed, { integer: true }, 0);
  let workload: Workload;
  try {
    workload = new Workload({
      objects: count('objects'),
      alpha,
      sizes: parseSizeDistribution(values.size),
      ttlSeconds: ttlListOption(values.ttl),
      uncacheableShare: numberOption('uncacheable', values.uncacheable, { min: 0, max: 1 }, 0),
      countries: values.countries ? parseCountryWeights(values.countries) : undefined,
      seed,
      idPrefix: `s${seed}-`,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const requests = count('requests');
  const file = createWriteStream(values.out);
  const out: Writable = values.out.endsWith('.gz') ? createGzip() : file;
  if (out !== file) out.pipe(file);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(CSV_TRACE_HEADER);
  for (let i = 0; i < requests; i++) {
    const request = workload.next();
    // Requests arrive at the given mean rate; the timestamp is in whole seconds, as in real traces.
    const row = { timestamp: Math.floor(i / rate), key: request.key, size: request.bytes, ttl: request.ttl, cacheable: request.cacheable, country: request.country, clientIp: request.clientIp };
    await write(csvLine(row));
  }
  out.end();
  await once(file, 'finish');
  console.log(`${values.out}: ${requests} requests over ${values.objects} objects (Zipf ${alpha}, seed ${seed})`);
}
