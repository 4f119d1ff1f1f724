import { parseCommand } from '../command-spec.ts';
import { prometheusConfigSpec } from '../options/prometheus-config.ts';
import { prometheusConfig } from '../../metrics/prometheus-config.ts';
import { loadTopologyFile } from '../../topology/load.ts';

export async function prometheusConfigCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(prometheusConfigSpec, args);
  const { topology } = loadTopologyFile(values.topology);
  process.stdout.write(prometheusConfig(topology, { scrapeInterval: values['scrape-interval'] }));
}
