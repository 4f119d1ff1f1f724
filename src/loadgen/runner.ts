import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { InvalidResponseHeadError, combineFieldLines } from '../http/header-fields.ts';
import { simulateDelay } from '../net/delay.ts';
import type { WorkloadRequest } from '../workload/workload.ts';
import type { Sample } from '../report/run-stats.ts';

export interface PhaseOptions {
  mode: 'open' | 'closed';
  rate: number;
  concurrency: number;
  /** Stop after this long (ms) ... */
  durationMs?: number;
  /** ... or after this many requests. */
  requests?: number;
  timeoutMs: number;
  next: () => WorkloadRequest & { region: string };
  onSample: (sample: Sample, request: WorkloadRequest) => void;
  /**
   * DNS-based routing: where each request goes (its edge's pool, and the simulated client-to-edge
   * round trip to wait first). Without it every request goes to the phase's pool (the router).
   */
  route?: (request: WorkloadRequest) => Promise<{ pool: Pool; delayMs: number }>;
}

/** The load generator's connection to the target: keep-alive, one connection per concurrent request. */
export function createClientPool(target: string, connections: number): Pool {
  return new Pool(target, { connections, keepAliveTimeout: 30_000, pipelining: 1 });
}

/**
 * Sends one request and measures it from `intendedAt` (performance.now() ms), so in the open loop
 * the time a request waited for its turn counts: queueing cannot hide (no coordinated omission).
 * The body is read and dropped, never concatenated.
 */
export async function send(
  pool: Pool,
  request: { path: string; headers: Record<string, string>; region: string },
  intendedAt: number,
  phaseStart: number,
  timeoutMs: number,
): Promise<Sample> {
  let status = 0;
  let cacheStatus = 'ERROR';
  let edge = 'none';
  let bytes = 0;
  let error: string | undefined;
  try {
    const response = await pool.request({
      method: 'GET',
      path: request.path,
      headers: request.headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    status = response.statusCode;
    const combined = combineFieldLines(response.headers);
    if (!combined.ok) {
      // undici reports its own destroy as an error event: it needs a listener.
      response.body.on('error', () => {}).destroy();
      throw new InvalidResponseHeadError(combined.problem);
    }
    const headers = combined.headers;
    cacheStatus = String(headers['x-cache'] ?? 'NONE');
    edge = String(headers['x-served-by'] ?? 'none');
    for await (const chunk of response.body) bytes += (chunk as Buffer).length;
    if (status >= 400) error = `http ${status}`;
  } catch (caught) {
    const code = (caught as { code?: string }).code;
    error = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? 'timeout' : (code ?? (caught as Error).name ?? 'error');
    cacheStatus = 'ERROR';
  }
  const now = performance.now();
  return { at: now - phaseStart, status, cacheStatus, edge, region: request.region, latencyUs: (now - intendedAt) * 1000, bytes, error };
}

/** Runs one phase (warm-up or measurement) and resolves when its last request has finished. */
export async function runPhase(pool: Pool, options: PhaseOptions): Promise<{ sent: number; elapsedMs: number }> {
  const start = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const limit = options.requests ?? Infinity;
  let sent = 0;
  const done = () => sent >= limit || performance.now() >= deadline;

  if (options.mode === 'closed') {
    const worker = async () => {
      while (!done()) {
        sent++;
        const request = options.next();
        options.onSample(await dispatch(pool, options, request, performance.now(), start), request);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return { sent, elapsedMs: performance.now() - start };
  }

  // Open loop: request i is due at start + i / rate, whatever happened to the others.
  const interval = 1000 / options.rate;
  let inFlight = 0;
  const waiting: { request: WorkloadRequest & { region: string }; intendedAt: number }[] = [];
  // Resolved by the last answer once the phase has stopped sending: one promise, not a race over
  // every request in flight for each answer (which, after an overloaded phase with a long queue,
  // kept the generator busy collecting garbage).
  let drained: (() => void) | undefined;
  const launch = (request: WorkloadRequest & { region: string }, intendedAt: number) => {
    inFlight++;
    void dispatch(pool, options, request, intendedAt, start).then((sample) => {
      inFlight--;
      options.onSample(sample, request);
      const queued = waiting.shift();
      if (queued) launch(queued.request, queued.intendedAt);
      else if (inFlight === 0) drained?.();
    });
  };
  while (!done()) {
    const now = performance.now();
    while (sent < limit && start + sent * interval <= Math.min(now, deadline)) {
      const intendedAt = start + sent * interval;
      sent++;
      // Over the in-flight cap the request queues here; its latency still counts from intendedAt.
      if (inFlight < options.concurrency) launch(options.next(), intendedAt);
      else waiting.push({ request: options.next(), intendedAt });
    }
    await sleep(Math.max(0, Math.min(start + sent * interval, deadline) - performance.now()));
  }
  if (inFlight > 0 || waiting.length > 0) await new Promise<void>((resolve) => (drained = resolve));
  return { sent, elapsedMs: performance.now() - start };
}

/** Sends through the router's pool, or where DNS-based routing says; a failed resolution is the request's error. */
async function dispatch(pool: Pool, options: PhaseOptions, request: WorkloadRequest & { region: string }, intendedAt: number, phaseStart: number): Promise<Sample> {
  if (!options.route) return send(pool, withClientAddress(request), intendedAt, phaseStart, options.timeoutMs);
  let target: { pool: Pool; delayMs: number };
  try {
    target = await options.route(request);
  } catch {
    const now = performance.now();
    return { at: now - phaseStart, status: 0, cacheStatus: 'ERROR', edge: 'none', region: request.region, latencyUs: (now - intendedAt) * 1000, bytes: 0, error: 'dns' };
  }
  await simulateDelay(target.delayMs);
  return send(target.pool, withClientAddress(request), intendedAt, phaseStart, options.timeoutMs);
}

/** The router places a workload client by the real address of its country, sent as X-Forwarded-For. */
function withClientAddress(request: WorkloadRequest & { region: string }) {
  return { path: request.path, headers: { 'x-forwarded-for': request.clientIp }, region: request.region };
}
