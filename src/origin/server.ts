import { createHttpServer } from '../net/http-server.ts';
import { closeServer, listen } from '../net/listen.ts';
import { createRegistry } from '../metrics/registry.ts';
import { createOriginApp } from './app.ts';
import { originRequestMeter } from './metrics.ts';
import { serveSyntheticDirectly } from './synthetic-fast-path.ts';
import { ObjectStore } from './object-store.ts';

export interface OriginOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Largest PUT body; beyond it, 413. */
  maxObjectBytes: number;
  adminToken: string | undefined;
  id?: string;
}

export interface RunningOrigin {
  port: number;
  url: string;
  store: ObjectStore;
  close(): Promise<void>;
}

export async function startOrigin(options: OriginOptions): Promise<RunningOrigin> {
  const store = await ObjectStore.open(options.dataDir);
  const registry = createRegistry();
  const meter = originRequestMeter(registry);
  const app = createOriginApp({
    id: options.id ?? 'origin',
    store,
    registry,
    meter,
    maxObjectBytes: options.maxObjectBytes,
    adminToken: options.adminToken,
  });
  const server = createHttpServer((req, res) => {
    if (!serveSyntheticDirectly(req, res, meter)) app(req, res);
  }, { headersTimeoutMs: 10_000, requestTimeoutMs: 300_000 });
  const port = await listen(server, options.port, options.host);
  return { port, url: `http://${options.host}:${port}`, store, close: () => closeServer(server) };
}
