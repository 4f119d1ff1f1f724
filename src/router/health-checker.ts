import { request } from 'undici';
import type { RoutedEdge } from '../routing/edge-table.ts';

export interface HealthCheckOptions {
  intervalMs: number;
  timeoutMs: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
}

/**
 * Active checks of each edge's /_cdn/health, plus passive reports from the proxy; an edge flips
 * state only after `unhealthyThreshold` failures or `healthyThreshold` successes in a row, so one
 * lost probe does not move traffic.
 */
export class HealthChecker {
  readonly #edges: readonly RoutedEdge[];
  readonly #options: HealthCheckOptions;
  readonly #streak = new Map<RoutedEdge, number>();
  readonly #onChange: (edge: RoutedEdge) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(edges: readonly RoutedEdge[], options: HealthCheckOptions, onChange: (edge: RoutedEdge) => void) {
    this.#edges = edges;
    this.#options = options;
    this.#onChange = onChange;
  }

  start(): void {
    this.#timer = setInterval(() => void this.checkAll(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.#edges.map(async (edge) => this.record(edge, await this.#probe(edge))));
  }

  /** A success or failure seen by a probe or by the proxy itself. */
  record(edge: RoutedEdge, ok: boolean): void {
    const previous = this.#streak.get(edge) ?? 0;
    // Positive counts successes in a row, negative counts failures in a row.
    const streak = ok ? Math.max(previous, 0) + 1 : Math.min(previous, 0) - 1;
    this.#streak.set(edge, streak);
    if (edge.healthy && streak <= -this.#options.unhealthyThreshold) this.#flip(edge, false);
    else if (!edge.healthy && streak >= this.#options.healthyThreshold) this.#flip(edge, true);
  }

  /** A connection refused is certain: the edge is down now, not after another interval. */
  markDown(edge: RoutedEdge): void {
    this.#streak.set(edge, -this.#options.unhealthyThreshold);
    if (edge.healthy) this.#flip(edge, false);
  }

  #flip(edge: RoutedEdge, healthy: boolean): void {
    edge.healthy = healthy;
    this.#onChange(edge);
  }

  async #probe(edge: RoutedEdge): Promise<boolean> {
    try {
      const response = await request(`${edge.url}/_cdn/health`, {
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        headersTimeout: this.#options.timeoutMs,
        bodyTimeout: this.#options.timeoutMs,
      });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }
}
