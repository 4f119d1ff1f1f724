import { POLICIES } from '../../eviction/policies.ts';
import { defineCommand } from '../command-spec.ts';
import { TRACE_READING_OPTIONS } from './trace-options.ts';

export const simSpec = defineCommand({
  name: 'sim',
  synopsis: '--trace FILE [--policy LIST] [--cache-size LIST] [--mode objects|bytes] [options]',
  about: `Offline, trace-driven simulation of cache policies on the edges' own policy code: one pass
over the trace for every (policy, cache size).`,
  options: {
    trace: { type: 'string', arg: 'FILE', help: 'the trace (CSV, oracleGeneral or webcachesim; .gz read as gzip) (required)' },
    policy: { type: 'string', arg: 'LIST', default: 'lru', help: `comma-separated: ${Object.keys(POLICIES).join(', ')}` },
    'cache-size': { type: 'string', arg: 'LIST', default: '0.1', help: 'absolute (64MiB, 10000) or fractions of the working set (0.01,0.1)' },
    mode: { type: 'string', arg: 'objects|bytes', default: 'objects', help: 'whether the capacity counts objects or bytes' },
    ...TRACE_READING_OPTIONS,
    json: { type: 'boolean', default: false, help: 'one JSON line per (policy, cache size)' },
    out: { type: 'string', arg: 'DIR', help: 'write results.jsonl and mrc.html (miss ratio curves) there' },
    threads: { type: 'string', arg: 'N', help: 'split the configurations over N worker threads' },
  },
});
