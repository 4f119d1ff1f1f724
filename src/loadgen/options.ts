import { accessSync, constants } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseColumnOption } from '../trace/column-option.ts';
import type { CsvColumns, TraceFormat } from '../trace/read-trace.ts';
import { BenchInputError } from './bench-input-error.ts';
import { parseCountryWeights } from '../workload/country-weights.ts';
import { parseSizeDistribution, type SizeDistribution } from '../workload/size-distribution.ts';

export const SCENARIOS = ['steady', 'flash-crowd', 'purge-storm', 'edge-failure'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  target?: string;
  spawn: boolean;
  topology: string;
  mode: 'open' | 'closed';
  /** Open loop: requests per second. */
  rate: number;
  /** Closed loop: parallel clients; open loop: the most requests in flight. */
  concurrency: number;
  durationSeconds?: number;
  requests?: number;
  warmupSeconds: number;
  objects: number;
  alpha: number;
  sizes: SizeDistribution;
  ttlSeconds: number[];
  uncacheableShare: number;
  countries?: Record<string, number>;
  seed: number;
  scenario: Scenario;
  out?: string;
  ceiling: boolean;
  adminToken?: string;
  timeoutMs: number;
  /** Replay this trace instead of generating a workload. */
  trace?: string;
  traceFormat?: TraceFormat;
  traceColumns?: Partial<CsvColumns>;
  skipBad: boolean;
}

export const benchUsage = `cdnsim bench [--target URL | --spawn [--topology FILE]] [options]
  Load-generation benchmark of a running router (--target) or of a topology it starts itself.
  --mode open|closed     open: fixed arrival --rate, latency from the intended send time;
                         closed: --concurrency clients back to back (default)
  --rate R               open loop, requests per second (default 1000)
  --concurrency C        closed-loop clients, or most in flight for open loop (default 32)
  --duration S | --requests N   measured phase (default 10 s), after --warmup S (default 2)
  --objects N --alpha A  catalogue of N objects with Zipf(A) popularity (10000, 0.8)
  --size SPEC            BYTES or pareto:MIN:MAX:SHAPE (default 1024)
  --ttl LIST             TTLs in seconds, one per object, e.g. 60,3600 (default 3600)
  --uncacheable F        share of objects sent with no-store (default 0)
  --countries LIST       client mix, e.g. US:3,DE:1,JP:1 (default: internet users per country)
  --seed N               the run's random seed (default 1)
  --scenario NAME        steady | flash-crowd | purge-storm | edge-failure (needs --spawn)
  --out DIR              write report.json, report.md and report.html there
  --no-ceiling           skip measuring the load generator's own ceiling
  --timeout-ms MS        per-request timeout (default 10000)
  --trace FILE           replay a trace (CSV, webcachesim or oracleGeneral) instead: each request
                         asks for /gen/<key>?bytes=<size> from the trace's client location, in
                         order (--concurrency 1 and --warmup 0 by default); --ttl S for requests
                         without a ttl; --format, --columns and --skip-bad as for cdnsim sim. With --spawn,
                         the same trace is also simulated offline and compared edge by edge`;

function number(name: string, value: string | undefined, fallback: number, check: (n: number) => boolean, rule: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || !check(parsed)) throw new BenchInputError(`--${name} ${rule}, got "${value}"`);
  return parsed;
}

export function parseBenchOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      target: { type: 'string' },
      spawn: { type: 'boolean', default: false },
      topology: { type: 'string', default: 'topology.json' },
      mode: { type: 'string', default: 'closed' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      requests: { type: 'string' },
      warmup: { type: 'string' },
      objects: { type: 'string' },
      alpha: { type: 'string' },
      size: { type: 'string', default: '1024' },
      ttl: { type: 'string', default: '3600' },
      uncacheable: { type: 'string' },
      countries: { type: 'string' },
      seed: { type: 'string' },
      scenario: { type: 'string', default: 'steady' },
      out: { type: 'string' },
      'no-ceiling': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      trace: { type: 'string' },
      format: { type: 'string' },
      columns: { type: 'string' },
      'skip-bad': { type: 'boolean', default: false },
    },
  });
  if (values.trace !== undefined) checkTraceOptions(values);
  if (!values.target && !values.spawn) throw new BenchInputError('give --target URL (a running router) or --spawn (start a topology)');
  if (values.target && values.spawn) throw new BenchInputError('--target and --spawn exclude each other');
  if (values.target) {
    try {
      new URL(values.target);
    } catch {
      throw new BenchInputError(`--target must be a URL like http://127.0.0.1:8080, got "${values.target}"`);
    }
  }
  if (values.mode !== 'open' && values.mode !== 'closed') throw new BenchInputError(`--mode must be open or closed, got "${values.mode}"`);
  if (!(SCENARIOS as readonly string[]).includes(values.scenario)) {
    throw new BenchInputError(`--scenario must be one of ${SCENARIOS.join(', ')}, got "${values.scenario}"`);
  }
  if (values.scenario === 'edge-failure' && !values.spawn) throw new BenchInputError('--scenario edge-failure needs --spawn (it kills an edge it started)');
  if (values.duration !== undefined && values.requests !== undefined) throw new BenchInputError('give --duration or --requests, not both');
  const positive = (n: number) => n > 0;
  const wrap = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new BenchInputError((error as Error).message);
    }
  };
  return {
    target: values.target?.replace(/\/$/, ''),
    spawn: values.spawn,
    topology: values.topology,
    mode: values.mode,
    rate: number('rate', values.rate, 1000, positive, 'must be > 0'),
    concurrency: number('concurrency', values.concurrency, values.trace ? 1 : 32, (n) => Number.isInteger(n) && n > 0, 'must be a whole number > 0'),
    durationSeconds: values.requests === undefined && (values.trace === undefined || values.duration !== undefined) ? number('duration', values.duration, 10, positive, 'must be > 0 seconds') : undefined,
    requests: values.requests === undefined ? undefined : number('requests', values.requests, 0, (n) => Number.isInteger(n) && n > 0, 'must be a whole number > 0'),
    warmupSeconds: number('warmup', values.warmup, values.trace ? 0 : 2, (n) => n >= 0, 'must be >= 0 seconds'),
    objects: number('objects', values.objects, 10_000, (n) => Number.isInteger(n) && n > 0, 'must be a whole number > 0'),
    alpha: number('alpha', values.alpha, 0.8, positive, 'must be > 0'),
    sizes: wrap(() => parseSizeDistribution(values.size)),
    ttlSeconds: wrap(() =>
      values.ttl.split(',').map((text) => {
        const ttl = Number(text);
        if (!Number.isInteger(ttl) || ttl < 0) throw new RangeError(`--ttl takes whole seconds >= 0, got "${text}"`);
        return ttl;
      }),
    ),
    uncacheableShare: number('uncacheable', values.uncacheable, 0, (n) => n >= 0 && n <= 1, 'must be within 0..1'),
    countries: values.countries === undefined ? undefined : wrap(() => parseCountryWeights(values.countries!)),
    seed: number('seed', values.seed, 1, Number.isInteger, 'must be a whole number'),
    scenario: values.scenario as Scenario,
    out: values.out,
    ceiling: !values['no-ceiling'],
    adminToken: process.env['CDNSIM_ADMIN_TOKEN'],
    timeoutMs: number('timeout-ms', values['timeout-ms'], 10_000, positive, 'must be > 0'),
    trace: values.trace,
    traceFormat: values.format as TraceFormat | undefined,
    traceColumns: values.columns === undefined ? undefined : wrap(() => parseColumnOption(values.columns!)),
    skipBad: values['skip-bad'],
  };
}

function checkTraceOptions(values: { trace?: string; format?: string; mode: string; scenario: string; warmup?: string; ttl: string }): void {
  try {
    accessSync(values.trace!, constants.R_OK);
  } catch {
    throw new BenchInputError(`cannot read trace file "${values.trace}"`);
  }
  if (values.format !== undefined && !['csv', 'oracle-general', 'webcachesim'].includes(values.format)) {
    throw new BenchInputError(`--format must be csv, oracle-general or webcachesim, got "${values.format}"`);
  }
  if (values.mode !== 'closed') throw new BenchInputError('--trace replays in a closed loop; --mode open is not supported with it');
  if (values.scenario !== 'steady') throw new BenchInputError('--trace cannot be combined with --scenario');
  if (values.warmup !== undefined && values.warmup !== '0') throw new BenchInputError('--trace replays the trace from its first request; --warmup is not supported with it');
  if (values.ttl.includes(',')) throw new BenchInputError('with --trace, --ttl takes one value: the TTL of requests whose trace line has none');
}
