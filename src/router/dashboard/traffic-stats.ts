/** Per-edge counts the router sees in passing, for the live dashboard (Prometheus has the full story). */
export class TrafficStats {
  readonly #byEdge = new Map<string, { requests: number; hits: number }>();

  record(edge: string, xCache: unknown): void {
    let counts = this.#byEdge.get(edge);
    if (!counts) this.#byEdge.set(edge, (counts = { requests: 0, hits: 0 }));
    counts.requests++;
    if (xCache === 'HIT') counts.hits++;
  }

  of(edge: string): { requests: number; hits: number } {
    return this.#byEdge.get(edge) ?? { requests: 0, hits: 0 };
  }
}
