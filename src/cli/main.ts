import { TopologyError } from '../topology/load.ts';
import { benchUsage } from '../loadgen/options.ts';
import { UsageError } from './usage-error.ts';

interface Command {
  usage: string;
  /** Loaded on demand: an edge process must not pay for the router's geoip database. */
  load: () => Promise<(args: string[]) => Promise<void>>;
}

const commands: Record<string, Command> = {
  up: {
    usage: `cdnsim up [--topology FILE] [--run-dir DIR]
  Starts the origin, every edge and the router of a topology (default ./topology.json),
  prints their URLs, and stops them all on Ctrl-C / SIGTERM. (npm start runs this.)`,
    load: async () => (await import('./commands/up.ts')).upCommand,
  },
  validate: {
    usage: `cdnsim validate FILE
  Checks a topology file; exit 2 with the JSON path of the first error.`,
    load: async () => (await import('./commands/validate.ts')).validateCommand,
  },
  bench: {
    usage: benchUsage,
    load: async () => (await import('./commands/bench.ts')).benchCommand,
  },
  sim: {
    usage: `cdnsim sim --trace FILE [--policy LIST] [--cache-size LIST] [--mode objects|bytes] [--json]
           [--format csv|oracle-general|webcachesim] [--columns FIELD=COLUMN,...] [--skip-bad] [--threads N] [--out DIR]
  Offline, trace-driven simulation (policies: lru, fifo, clock, sieve, s3fifo, lfu, arc, belady; sizes absolute,
  e.g. 64MiB or 10000, or fractions of the working set, e.g. 0.01,0.1).
cdnsim sim --topology FILE --trace FILE [--cache-scale F] [--policy NAME] [--edge-down ID@FROM[-UNTIL]] [--json] [--out DIR]
  The whole CDN offline: the router's routing, each edge's own cache and policy, the network model.`,
    load: async () => (await import('./commands/sim.ts')).simCommand,
  },
  trace: {
    usage: `cdnsim trace gen --out FILE [--requests N] [--objects N] [--alpha A] [--size SPEC] [--ttl LIST]
                  [--uncacheable F] [--countries LIST] [--rate R] [--seed N]
  Writes a synthetic CSV trace (gzip if FILE ends in .gz) with the bench's workload generator.`,
    load: async () => (await import('./commands/trace-gen.ts')).traceCommand,
  },
  'prometheus-config': {
    usage: `cdnsim prometheus-config [--topology FILE] [--scrape-interval 5s]
  Prints a prometheus.yml that scrapes every process of a topology. (cdnsim up also writes one,
  with the ports really in use, to its run folder.)`,
    load: async () => (await import('./commands/prometheus-config.ts')).prometheusConfigCommand,
  },
  edge: {
    usage: `cdnsim edge --origin URL --port P [--max-size BYTES | --max-objects N] [--policy NAME]
            [--max-object-bytes BYTES] [--id ID] [--region NAME] [--host HOST] [--origin-rtt-ms MS]
            [--origin-request-header NAME ...]
            [--origin-timeout-ms MS] [--origin-body-timeout-ms MS] [--no-serve-stale-on-origin-error]
            [--targeted-cache-control-field NAME]
  One edge alone: a caching reverse proxy in front of any HTTP origin (like varnishd -b).
  --policy evicts with one of the simulator's policies: lru (default), fifo, clock, sieve,
  s3fifo, lfu, arc; the capacity counts bytes (--max-size, default 64 MiB) or objects.`,
    load: async () => (await import('./commands/edge.ts')).edgeCommand,
  },
  origin: {
    usage: `cdnsim origin --port P [--data-dir DIR] [--max-object-bytes BYTES] [--host HOST]
  The built-in origin: a durable object store on disk plus synthetic /gen objects.`,
    load: async () => (await import('./commands/origin.ts')).originCommand,
  },
  router: {
    usage: `cdnsim router --topology FILE [--port P]
  The geo router alone, in front of the edges the topology names (already running).`,
    load: async () => (await import('./commands/router.ts')).routerCommand,
  },
};

function usage(): string {
  return `usage: cdnsim <command> [options]\n\n${Object.values(commands)
    .map((command) => command.usage)
    .join('\n\n')}\n`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  const run = await command.load();
  await run(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof TopologyError) {
    console.error(`invalid topology: ${error.message}`);
    process.exit(2);
  }
  // parseArgs throws errors coded ERR_PARSE_ARGS_* for unknown or malformed flags.
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    console.error(`cdnsim: ${(error as Error).message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
