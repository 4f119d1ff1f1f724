import type { CommandSpec } from './command-spec.ts';
import { benchSpec } from './options/bench.ts';
import { edgeSpec } from './options/edge.ts';
import { fnTestSpec } from './options/fn-test.ts';
import { originSpec } from './options/origin.ts';
import { prometheusConfigSpec } from './options/prometheus-config.ts';
import { routerSpec } from './options/router.ts';
import { simCdnSpec } from './options/sim-cdn.ts';
import { simSpec } from './options/sim.ts';
import { traceGenSpec } from './options/trace-gen.ts';
import { upSpec } from './options/up.ts';
import { validateSpec } from './options/validate.ts';

export interface Command {
  /** The option tables its usage is written from (sim has two forms). */
  specs: CommandSpec[];
  /** Loaded on demand: an edge process must not pay for the router's geoip database. */
  load: () => Promise<(args: string[]) => Promise<void>>;
}

export const COMMANDS: Record<string, Command> = {
  up: { specs: [upSpec], load: async () => (await import('./commands/up.ts')).upCommand },
  validate: { specs: [validateSpec], load: async () => (await import('./commands/validate.ts')).validateCommand },
  bench: { specs: [benchSpec], load: async () => (await import('./commands/bench.ts')).benchCommand },
  sim: { specs: [simSpec, simCdnSpec], load: async () => (await import('./commands/sim.ts')).simCommand },
  trace: { specs: [traceGenSpec], load: async () => (await import('./commands/trace-gen.ts')).traceCommand },
  'prometheus-config': { specs: [prometheusConfigSpec], load: async () => (await import('./commands/prometheus-config.ts')).prometheusConfigCommand },
  edge: { specs: [edgeSpec], load: async () => (await import('./commands/edge.ts')).edgeCommand },
  origin: { specs: [originSpec], load: async () => (await import('./commands/origin.ts')).originCommand },
  router: { specs: [routerSpec], load: async () => (await import('./commands/router.ts')).routerCommand },
  fn: { specs: [fnTestSpec], load: async () => (await import('./commands/fn-test.ts')).fnCommand },
};
