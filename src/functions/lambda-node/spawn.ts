import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { WorkerSetup } from './protocol.ts';

/**
 * A lambda-node worker thread with its memory caps and a bare environment (the edge's own
 * variables, an admin token among them, are none of a function's business). Under tsx (vitest,
 * bin/cdnsim.js on stale sources) the worker registers tsx before importing worker.ts, as
 * src/sim/spawn-worker.ts does; compiled, it runs worker.js directly.
 */
export function spawnLambdaWorker(setup: WorkerSetup, resourceLimits: ResourceLimits): Worker {
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: `us-east-1.${setup.functionName}`,
    AWS_LAMBDA_FUNCTION_VERSION: String(setup.version),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(setup.memoryMb),
    TZ: 'UTC',
  };
  const options = { workerData: setup, resourceLimits, env, stdout: true, stderr: true } as const;
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), options);
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
