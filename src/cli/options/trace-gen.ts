import { defineCommand } from '../command-spec.ts';

export const traceGenSpec = defineCommand({
  name: 'trace gen',
  synopsis: '--out FILE [--requests N] [--objects N] [--alpha A] [--size SPEC] [options]',
  about: `Writes a synthetic CSV trace (gzip if FILE ends in .gz) with the bench's workload generator, so a
trace and a bench run with the same options and seed describe the same traffic.`,
  options: {
    out: { type: 'string', arg: 'FILE', help: 'where to write: .csv, or .csv.gz to compress (required)' },
    requests: { type: 'string', arg: 'N', default: '100000', help: 'requests to write' },
    objects: { type: 'string', arg: 'N', default: '10000', help: 'catalogue size' },
    alpha: { type: 'string', arg: 'A', default: '0.8', help: 'Zipf popularity exponent' },
    size: { type: 'string', arg: 'SPEC', default: '1024', help: 'BYTES or pareto:MIN:MAX:SHAPE' },
    ttl: { type: 'string', arg: 'LIST', default: '3600', help: 'TTLs in seconds, one per object, e.g. 60,3600' },
    uncacheable: { type: 'string', arg: 'F', default: '0', help: 'share of objects marked uncacheable' },
    countries: { type: 'string', arg: 'LIST', help: 'client mix, e.g. US:3,DE:1 (default: internet users per country)' },
    rate: { type: 'string', arg: 'R', default: '1000', help: 'mean requests per second of trace time' },
    seed: { type: 'string', arg: 'N', default: '1', help: 'random seed' },
  },
});
