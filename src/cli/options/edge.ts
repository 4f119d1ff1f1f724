import { LIVE_POLICIES } from '../../eviction/live-policies.ts';
import { RUNTIMES } from '../../functions/types.ts';
import { defineCommand } from '../command-spec.ts';
import { orList } from '../option-values.ts';

export const edgeSpec = defineCommand({
  name: 'edge',
  synopsis: '--origin URL --port P [--max-size SIZE | --max-objects N] [--policy NAME] [options]',
  about: `One edge alone: a caching reverse proxy in front of any HTTP origin (like varnishd -b).
Durations take 15s, 500ms, 2m (a bare number is in ms); sizes 64MiB, 1GB or bytes.`,
  options: {
    origin: { type: 'string', arg: 'URL', help: 'the origin, e.g. http://127.0.0.1:8090 (required)' },
    port: { type: 'string', arg: 'P', help: 'port to listen on, 0 for any free one (required)' },
    host: { type: 'string', arg: 'HOST', default: '127.0.0.1', help: 'address to listen on' },
    'max-size': { type: 'string', arg: 'SIZE', help: 'cache capacity in bytes, bodies and headers (default 64MiB)' },
    'max-objects': { type: 'string', arg: 'N', help: 'cache capacity in objects instead, each response counting 1' },
    policy: { type: 'string', arg: 'NAME', default: 'lru', help: `eviction: ${orList(LIVE_POLICIES)}` },
    'max-object-bytes': { type: 'string', arg: 'SIZE', help: 'larger responses pass through unstored (default 16MiB)' },
    id: { type: 'string', arg: 'ID', default: 'edge', help: 'name in Via, Cache-Status, logs and metrics' },
    region: { type: 'string', arg: 'NAME', default: 'local', help: 'region label of its metrics' },
    'origin-rtt-ms': { type: 'string', arg: 'MS', help: 'simulated edge<->origin round trip before each fetch (default 0)' },
    'origin-timeout-ms': { type: 'string', arg: 'MS', help: "how long to wait for the origin's response head" },
    'origin-request-header': { type: 'string', arg: 'NAME', multiple: true, help: 'a request header forwarded to the origin as is' },
    'origin-body-timeout-ms': { type: 'string', arg: 'MS', help: 'longest silence within an origin body' },
    'no-serve-stale-on-origin-error': { type: 'boolean', default: false, help: 'answer origin failures with 502/504, not a stale copy' },
    'targeted-cache-control-field': { type: 'string', arg: 'NAME', help: 'the targeted Cache-Control field this edge obeys (RFC 9213)' },
    function: { type: 'string', arg: 'TRIGGER=FILE', multiple: true, help: 'run an edge function on a trigger (viewer-request, origin-request, origin-response, viewer-response); reloaded when FILE changes' },
    'function-runtime': { type: 'string', arg: 'NAME', default: 'cloudfront-js', help: `profile of the --function files: ${orList(RUNTIMES)}` },
    'origin-s3-bucket': { type: 'string', arg: 'NAME', help: 'the origin is an S3 endpoint: fetch objects by S3 GET from this bucket (path-style)' },
    'origin-s3-region': { type: 'string', arg: 'NAME', default: 'us-east-1', help: 'the region S3 GETs are signed for' },
    'origin-s3-anonymous': {
      type: 'boolean',
      default: false,
      help: 'do not sign S3 GETs (otherwise signed with CDNSIM_S3_ACCESS_KEY_ID/_SECRET_ACCESS_KEY, or the dev pair)',
    },
    'functions-json': { type: 'string', arg: 'JSON', help: "the topology's functions for this edge, as a JSON array (the supervisor passes it)" },
  },
});
