import { LIVE_POLICIES } from '../../eviction/live-policies.ts';
import { defineCommand } from '../command-spec.ts';
import { TRACE_READING_OPTIONS } from './trace-options.ts';

export const simCdnSpec = defineCommand({
  name: 'sim',
  synopsis: '--topology FILE --trace FILE [--cache-scale F] [--policy NAME] [--edge-down ID@FROM[-UNTIL]] [options]',
  about: `The whole CDN offline: every trace request is routed by the router's own code to the nearest
healthy edge, served by that edge's cache (the live edge's code, the topology's capacity and
policy) and timed by the network model. The report has the shape of cdnsim bench's.`,
  options: {
    topology: { type: 'string', arg: 'FILE', help: 'the CDN to simulate (required)' },
    trace: { type: 'string', arg: 'FILE', help: 'the trace to replay through it (required)' },
    ttl: { type: 'string', arg: 'S', default: '3600', help: 'TTL in seconds of requests whose trace line has none' },
    requests: { type: 'string', arg: 'N', help: "only the trace's first N requests" },
    'cache-scale': { type: 'string', arg: 'F', default: '1', help: "what-if: every edge's capacity times F" },
    policy: { type: 'string', arg: 'NAME', help: `what-if: every edge evicts with NAME (${LIVE_POLICIES.join(', ')})` },
    'edge-down': {
      type: 'string',
      arg: 'ID@FROM[-UNTIL]',
      multiple: true,
      default: [],
      help: "what-if: edge ID is down from FROM until UNTIL seconds after the\ntrace's first request (to the end without UNTIL)",
    },
    ...TRACE_READING_OPTIONS,
    json: { type: 'boolean', default: false, help: 'print the report as one JSON line' },
    out: { type: 'string', arg: 'DIR', help: 'write report.json, report.md and report.html there' },
  },
});
