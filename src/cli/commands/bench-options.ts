import { ROUTINGS, SCENARIOS, type BenchOptions, type Scenario } from '../../loadgen/options.ts';
import { parseColumnOption } from '../../trace/column-option.ts';
import { TRACE_FORMATS } from '../../trace/formats.ts';
import { parseCountryWeights } from '../../workload/country-weights.ts';
import { parseSizeDistribution } from '../../workload/size-distribution.ts';
import { parseCommand } from '../command-spec.ts';
import { choiceOption, durationOption, numberOption, ttlListOption } from '../option-values.ts';
import { benchSpec } from '../options/bench.ts';
import { UsageError } from '../usage-error.ts';
import { readableTrace } from './trace-input.ts';

/** `cdnsim bench` options, checked, as the load generator takes them. */
export function parseBenchOptions(args: string[]): BenchOptions {
  const { values } = parseCommand(benchSpec, args);
  const warmupMs = durationOption('warmup', values.warmup, 's', { min: 0 });
  if (values.trace !== undefined) checkTraceOptions({ ...values, trace: values.trace, warmupMs });
  if (!values.target && !values.spawn) throw new UsageError('give --target URL (a running router) or --spawn (start a topology)');
  if (values.target && values.spawn) throw new UsageError('--target and --spawn exclude each other');
  if (values.target) {
    try {
      new URL(values.target);
    } catch {
      throw new UsageError(`--target must be a URL like http://127.0.0.1:8080, got "${values.target}"`);
    }
  }
  const mode = choiceOption('mode', values.mode, ['open', 'closed'] as const)!;
  const scenario = choiceOption<Scenario>('scenario', values.scenario, SCENARIOS)!;
  if ((scenario === 'edge-failure' || scenario === 'edge-outage') && !values.spawn) throw new UsageError(`--scenario ${scenario} needs --spawn (it kills an edge it started)`);
  if (values.trace !== undefined && values.routing === 'dns') throw new UsageError('--trace replays through the router; --routing dns is not supported with it');
  if (values.duration !== undefined && values.requests !== undefined) throw new UsageError('give --duration or --requests, not both');
  const byDuration = values.requests === undefined && (values.trace === undefined || values.duration !== undefined);
  const whole = { integer: true, above: 0 };
  return {
    target: values.target?.replace(/\/$/, ''),
    spawn: values.spawn,
    topology: values.topology,
    mode,
    rate: numberOption('rate', values.rate, { above: 0 }, 1000),
    concurrency: numberOption('concurrency', values.concurrency, whole, values.trace ? 1 : 32),
    durationSeconds: byDuration ? durationOption('duration', values.duration, 's', { above: 0 }, 10_000) / 1000 : undefined,
    requests: numberOption('requests', values.requests, whole),
    warmupSeconds: (warmupMs ?? (values.trace ? 0 : 2000)) / 1000,
    objects: numberOption('objects', values.objects, whole, 10_000),
    alpha: numberOption('alpha', values.alpha, { above: 0 }, 0.8),
    sizes: wrap(() => parseSizeDistribution(values.size)),
    ttlSeconds: ttlListOption(values.ttl),
    uncacheableShare: numberOption('uncacheable', values.uncacheable, { min: 0, max: 1 }, 0),
    countries: values.countries === undefined ? undefined : wrap(() => parseCountryWeights(values.countries!)),
    seed: numberOption('seed', values.seed, { integer: true }, 1),
    scenario,
    out: values.out,
    ceiling: !values['no-ceiling'],
    adminToken: process.env['CDNSIM_ADMIN_TOKEN'],
    timeoutMs: durationOption('timeout-ms', values['timeout-ms'], 'ms', { above: 0 }, 10_000),
    trace: values.trace,
    traceFormat: choiceOption('format', values.format, TRACE_FORMATS),
    traceColumns: values.columns === undefined ? undefined : wrap(() => parseColumnOption(values.columns!)),
    skipBad: values['skip-bad'],
    routing: choiceOption('routing', values.routing, ROUTINGS)!,
    dnsServer: dnsServerOption(values['dns-server']),
    dnsHostname: values['dns-hostname'],
    dnsClients: numberOption('dns-clients', values['dns-clients'], whole, 50),
  };
}

/** HOST:PORT, [v6]:PORT or a bare port on 127.0.0.1. */
function dnsServerOption(text: string | undefined): BenchOptions['dnsServer'] {
  if (text === undefined) return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new UsageError(`--dns-server must be HOST:PORT, e.g. 127.0.0.1:8053, got "${text}"`);
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

/** The workload parsers throw RangeError; on the command line that is a usage mistake. */
function wrap<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function checkTraceOptions(values: { trace: string; format?: string; mode: string; scenario: string; warmupMs?: number; ttl: string }): void {
  readableTrace(values.trace);
  choiceOption('format', values.format, TRACE_FORMATS);
  if (values.mode !== 'closed') throw new UsageError('--trace replays in a closed loop; --mode open is not supported with it');
  if (values.scenario !== 'steady') throw new UsageError('--trace cannot be combined with --scenario');
  if (values.warmupMs !== undefined && values.warmupMs !== 0) throw new UsageError('--trace replays the trace from its first request; --warmup is not supported with it');
  if (values.ttl.includes(',')) throw new UsageError('with --trace, --ttl takes one value: the TTL of requests whose trace line has none');
}
