import { Worker } from 'node:worker_threads';

/**
 * A worker thread running `name` (a module next to this one): the compiled JavaScript, or the
 * TypeScript source through tsx's loader (bin/cdnsim.js's fallback, vitest), registered inside the
 * worker as bin/cdnsim.js does it (`--import tsx` in a worker's execArgv does not reach its entry
 * module on Node 20).
 */
export function spawnWorker(name: string, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
