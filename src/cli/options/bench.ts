import { ROUTINGS, SCENARIOS } from '../../loadgen/options.ts';
import { defineCommand } from '../command-spec.ts';
import { TRACE_READING_OPTIONS } from './trace-options.ts';

export const benchSpec = defineCommand({
  name: 'bench',
  synopsis: '[--target URL | --spawn [--topology FILE]] [options]',
  about: `Load-generation benchmark of a running router (--target) or of a topology it starts itself.
Durations take 15, 15s, 500ms, 2m or 1h (a bare number in the option's unit).`,
  options: {
    target: { type: 'string', arg: 'URL', help: 'a running router, e.g. http://127.0.0.1:8080' },
    spawn: { type: 'boolean', default: false, help: 'start the topology itself, and stop it afterwards' },
    topology: { type: 'string', arg: 'FILE', default: 'topology.json', help: 'the topology --spawn starts' },
    mode: {
      type: 'string',
      arg: 'open|closed',
      default: 'closed',
      help: 'open: fixed arrival --rate, latency from the intended send time;\nclosed: --concurrency clients back to back',
    },
    rate: { type: 'string', arg: 'R', help: 'open loop, requests per second (default 1000)' },
    concurrency: { type: 'string', arg: 'C', help: 'closed-loop clients, or most in flight for open loop (default 32)' },
    duration: { type: 'string', arg: 'DURATION', help: 'measured phase (default 10s); or --requests N' },
    requests: { type: 'string', arg: 'N', help: 'measure this many requests instead of a duration' },
    warmup: { type: 'string', arg: 'DURATION', help: 'unmeasured phase before it (default 2s)' },
    objects: { type: 'string', arg: 'N', help: 'catalogue of N objects (default 10000)' },
    alpha: { type: 'string', arg: 'A', help: 'Zipf popularity exponent (default 0.8)' },
    size: { type: 'string', arg: 'SPEC', default: '1024', help: 'BYTES or pareto:MIN:MAX:SHAPE' },
    ttl: { type: 'string', arg: 'LIST', default: '3600', help: 'TTLs in seconds, one per object, e.g. 60,3600' },
    uncacheable: { type: 'string', arg: 'F', help: 'share of objects sent with no-store (default 0)' },
    countries: { type: 'string', arg: 'LIST', help: 'client mix, e.g. US:3,DE:1,JP:1 (default: internet users per country)' },
    seed: { type: 'string', arg: 'N', help: "the run's random seed (default 1)" },
    scenario: { type: 'string', arg: 'NAME', default: 'steady', help: `${SCENARIOS.join(' | ')} (edge-failure and edge-outage need --spawn)` },
    routing: {
      type: 'string',
      arg: 'proxy|dns',
      default: 'proxy',
      help: `${ROUTINGS.join(' | ')}: every request through the router, or each client resolves the
CDN hostname through the router's DNS (its own subnet as ECS), keeps the answer for its
TTL and connects straight to that edge`,
    },
    'dns-server': { type: 'string', arg: 'HOST:PORT', help: "with --target and --routing dns: the router's DNS server, e.g. 127.0.0.1:8053 (with --spawn it is found)" },
    'dns-hostname': { type: 'string', arg: 'NAME', help: 'with --target and --routing dns: the CDN hostname (default cdn.cdnsim.test)' },
    'dns-clients': { type: 'string', arg: 'N', help: 'with --routing dns: simulated clients per country, each caching its answer (default 50)' },
    out: { type: 'string', arg: 'DIR', help: 'write report.json, report.md and report.html there' },
    'no-ceiling': { type: 'boolean', default: false, help: "skip measuring the load generator's own ceiling" },
    'timeout-ms': { type: 'string', arg: 'DURATION', help: 'per-request timeout (default 10000 ms)' },
    trace: {
      type: 'string',
      arg: 'FILE',
      help: `replay a trace instead: each request asks for /gen/<key>?bytes=<size> from the
trace's client location, in order (--concurrency 1 and --warmup 0 by default); --ttl S
for requests without a ttl. With --spawn, the same trace is also simulated offline and
compared edge by edge`,
    },
    ...TRACE_READING_OPTIONS,
  },
});
