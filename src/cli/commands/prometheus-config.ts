import { parseArgs } from 'node:util';
import { prometheusConfig } from '../../metrics/prometheus-config.ts';
import { loadTopologyFile } from '../../topology/load.ts';

export async function prometheusConfigCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      topology: { type: 'string', default: 'topology.json' },
      'scrape-interval': { type: 'string', default: '5s' },
    },
  });
  const { topology } = loadTopologyFile(values.topology);
  process.stdout.write(prometheusConfig(topology, { scrapeInterval: values['scrape-interval'] }));
}
