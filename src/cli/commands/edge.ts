import { adminTokenFromEnv } from '../../admin/token.ts';
import type { StoreCapacity } from '../../cache/create-entry-store.ts';
import { DEFAULT_CACHE_BYTES, DEFAULT_MAX_OBJECT_BYTES, DEFAULT_ORIGIN_TIMEOUTS } from '../../edge/defaults.ts';
import { startEdge } from '../../edge/server.ts';
import { livePolicyProblem } from '../../eviction/live-policies.ts';
import { runComponent } from '../run-component.ts';
import { parseCommand } from '../command-spec.ts';
import { edgeSpec } from '../options/edge.ts';
import { durationOption, numberOption, portOption, sizeOption } from '../option-values.ts';
import { UsageError } from '../usage-error.ts';
import { edgeFunctionSpecs } from './edge-functions.ts';
import { s3OriginFromFlags } from './edge-s3.ts';


export async function edgeCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(edgeSpec, args);
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
  const functions = edgeFunctionSpecs(values['functions-json'], values.function, values['function-runtime']);
  const s3Origin = s3OriginFromFlags({ bucket: values['origin-s3-bucket'], region: values['origin-s3-region'], anonymous: values['origin-s3-anonymous'] });
  const originTimeoutMs = durationOption('origin-timeout-ms', values['origin-timeout-ms'], 'ms', { above: 0 }, DEFAULT_ORIGIN_TIMEOUTS.headersMs);
  await runComponent(`edge ${values.id}`, () =>
    startEdge({
      id: values.id,
      region: values.region,
      host: values.host,
      port: portOption(values.port),
      originUrl: originUrl.origin,
      ...capacity,
      policy: values.policy,
      maxObjectBytes: sizeOption('max-object-bytes', values['max-object-bytes'], { min: 0 }, DEFAULT_MAX_OBJECT_BYTES),
      originRoundTripMs: durationOption('origin-rtt-ms', values['origin-rtt-ms'], 'ms', { min: 0 }, 0),
      adminToken: adminTokenFromEnv(),
      originRequestHeaders: values['origin-request-header'],
      serveStaleOnOriginError: !values['no-serve-stale-on-origin-error'],
      targetedCacheControlField: values['targeted-cache-control-field'],
      functions,
      ...(s3Origin ? { s3Origin } : {}),
      originTimeouts: {
        connectMs: Math.min(originTimeoutMs, DEFAULT_ORIGIN_TIMEOUTS.connectMs),
        headersMs: originTimeoutMs,
        bodyMs: durationOption('origin-body-timeout-ms', values['origin-body-timeout-ms'], 'ms', { above: 0 }, Math.max(originTimeoutMs, DEFAULT_ORIGIN_TIMEOUTS.bodyMs)),
      },
    }),
  );
}

/** --max-size SIZE ("64MiB", bytes) or --max-objects N, not both; 64 MiB when neither is given. */
export function parseCapacity(maxSize: string | undefined, maxObjects: string | undefined): StoreCapacity {
  if (maxSize !== undefined && maxObjects !== undefined) throw new UsageError('give --max-size or --max-objects, not both');
  if (maxObjects !== undefined) {
    const objects = numberOption('max-objects', maxObjects, { integer: true, min: 0 }, 0);
    if (objects === 0) throw new UsageError('--max-objects must be positive');
    return { maxObjects: objects };
  }
  const bytes = sizeOption('max-size', maxSize, { min: 0 }, DEFAULT_CACHE_BYTES);
  if (bytes === 0) throw new UsageError('--max-size must be positive');
  return { maxSize: bytes };
}
