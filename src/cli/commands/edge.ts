import { parseArgs } from 'node:util';
import { adminTokenFromEnv } from '../../admin/token.ts';
import type { StoreCapacity } from '../../cache/create-entry-store.ts';
import { DEFAULT_ORIGIN_TIMEOUTS, startEdge } from '../../edge/server.ts';
import { livePolicyProblem } from '../../eviction/live-policies.ts';
import { runComponent } from '../run-component.ts';
import { UsageError, parseInteger, parseNumber } from '../usage-error.ts';


export async function edgeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      origin: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'max-size': { type: 'string' },
      'max-objects': { type: 'string' },
      policy: { type: 'string', default: 'lru' },
      'max-object-bytes': { type: 'string' },
      id: { type: 'string', default: 'edge' },
      region: { type: 'string', default: 'local' },
      'origin-rtt-ms': { type: 'string' },
      'origin-timeout-ms': { type: 'string' },
      'origin-request-header': { type: 'string', multiple: true },
      'origin-body-timeout-ms': { type: 'string' },
      'no-serve-stale-on-origin-error': { type: 'boolean', default: false },
      'targeted-cache-control-field': { type: 'string' },
    },
  });
  if (!values.origin) throw new UsageError('--origin URL is required');
  let originUrl: URL;
  try {
    originUrl = new URL(values.origin);
  } catch {
    throw new UsageError(`--origin must be a URL like http://127.0.0.1:8090, got "${values.origin}"`);
  }
  const capacity = parseCapacity(values['max-size'], values['max-objects']);
  const policyProblem = livePolicyProblem(values.policy);
  if (policyProblem !== undefined) throw new UsageError(`--policy: ${policyProblem}`);
  const originTimeoutMs = parseInteger('origin-timeout-ms', values['origin-timeout-ms'], DEFAULT_ORIGIN_TIMEOUTS.headersMs);
  await runComponent(`edge ${values.id}`, () =>
    startEdge({
      id: values.id,
      region: values.region,
      host: values.host,
      port: parseInteger('port', values.port),
      originUrl: originUrl.origin,
      ...capacity,
      policy: values.policy,
      maxObjectBytes: parseInteger('max-object-bytes', values['max-object-bytes'], 16 * 1024 * 1024),
      originRoundTripMs: parseNumber('origin-rtt-ms', values['origin-rtt-ms'], 0),
      adminToken: adminTokenFromEnv(),
      originRequestHeaders: values['origin-request-header'],
      serveStaleOnOriginError: !values['no-serve-stale-on-origin-error'],
      targetedCacheControlField: values['targeted-cache-control-field'],
      originTimeouts: {
        connectMs: Math.min(originTimeoutMs, DEFAULT_ORIGIN_TIMEOUTS.connectMs),
        headersMs: originTimeoutMs,
        bodyMs: parseInteger('origin-body-timeout-ms', values['origin-body-timeout-ms'], Math.max(originTimeoutMs, DEFAULT_ORIGIN_TIMEOUTS.bodyMs)),
      },
    }),
  );
}

/** --max-size BYTES or --max-objects N, not both; 64 MiB when neither is given. */
function parseCapacity(maxSize: string | undefined, maxObjects: string | undefined): StoreCapacity {
  if (maxSize !== undefined && maxObjects !== undefined) throw new UsageError('give --max-size or --max-objects, not both');
  const [name, value] = maxObjects !== undefined ? ['max-objects', maxObjects] : ['max-size', maxSize];
  const capacity = parseInteger(name, value, 64 * 1024 * 1024);
  if (capacity === 0) throw new UsageError(`--${name} must be positive`);
  return maxObjects !== undefined ? { maxObjects: capacity } : { maxSize: capacity };
}
