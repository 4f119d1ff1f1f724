import { request } from 'undici';
import type { ScenarioEvent } from '../workload/scenario-event.ts';
import type { Workload, WorkloadRequest } from '../workload/workload.ts';
import type { Scenario } from './options.ts';
import type { BenchTarget } from './target.ts';

export interface ScenarioRun {
  /** Picks the next request; a scenario may steer traffic. */
  next(): WorkloadRequest;
  /** Called once when the measured phase starts; returns a stop function. */
  start(phaseStart: number, durationMs: number): () => Promise<void>;
  events: ScenarioEvent[];
}

/**
 * The scenario presets. steady: the workload as is. flash-crowd: halfway through, half of all
 * requests go to one new object. purge-storm: every second a purge of the 100 most popular
 * objects. edge-failure: halfway through, the edge serving the most traffic is SIGKILLed (the
 * supervisor restarts it); the report gives the errors and the failover time. edge-outage: the
 * same SIGKILL, but the edge stays down, so clients must move: through the router at once, by
 * DNS only once their cached answers expire (TTL plus the router's health checks).
 */
export function createScenario(scenario: Scenario, workload: Workload, target: BenchTarget, busiestEdge: () => string | undefined): ScenarioRun {
  const events: ScenarioEvent[] = [];
  let flashFrom = Infinity;
  let phaseStart = 0;
  const timers: NodeJS.Timeout[] = [];
  const pending: Promise<unknown>[] = [];
  return {
    events,
    next() {
      const base = workload.next();
      if (performance.now() >= flashFrom && base.rank % 2 === 0) return workload.request(-1, base.country);
      return base;
    },
    start(start, durationMs) {
      phaseStart = start;
      const at = () => Math.round(performance.now() - phaseStart);
      if (scenario === 'flash-crowd') {
        flashFrom = start + durationMs / 2;
        events.push({ at: Math.round(durationMs / 2), what: 'flash crowd: half of all requests now go to one new object' });
      }
      if (scenario === 'purge-storm') {
        const paths = Array.from({ length: 100 }, (_, rank) => workload.request(rank, 'US').path);
        timers.push(
          setInterval(() => {
            const purge = request(`${target.routerUrl}/_cdn/purge`, {
              method: 'POST',
              headers: { authorization: `Bearer ${target.adminToken ?? ''}`, 'content-type': 'application/json' },
              body: JSON.stringify({ paths }),
              headersTimeout: 5_000,
              bodyTimeout: 5_000,
            }).then(async (response) => {
              await response.body.dump();
              events.push({ at: at(), what: `purge of the 100 most popular objects: ${response.statusCode}` });
            }, (error: Error) => events.push({ at: at(), what: `purge failed: ${error.message}` }));
            pending.push(purge);
          }, 1000),
        );
      }
      if (scenario === 'edge-failure' || scenario === 'edge-outage') {
        timers.push(
          setTimeout(() => {
            const victim = busiestEdge();
            const child = victim ? target.cluster?.child(victim) : undefined;
            if (!child?.pid) {
              events.push({ at: at(), what: 'edge failure: no edge to kill' });
              return;
            }
            process.kill(child.pid, 'SIGKILL');
            // Marked stopping before the exit is seen, so the supervisor does not restart it.
            if (scenario === 'edge-outage') pending.push(child.stop());
            events.push({ at: at(), what: `edge failure: SIGKILL sent to edge ${victim}${scenario === 'edge-outage' ? ' (kept down)' : ''}` });
          }, durationMs / 2),
        );
      }
      return async () => {
        for (const timer of timers) clearTimeout(timer);
        await Promise.allSettled(pending);
      };
    },
  };
}
