import { defineCommand } from '../command-spec.ts';

export const prometheusConfigSpec = defineCommand({
  name: 'prometheus-config',
  synopsis: '[--topology FILE] [--scrape-interval 5s]',
  about: `Prints a prometheus.yml that scrapes every process of a topology. (cdnsim up also writes one,
with the ports really in use, to its run folder.)`,
  options: {
    topology: { type: 'string', arg: 'FILE', default: 'topology.json', help: 'the topology to scrape' },
    'scrape-interval': { type: 'string', arg: 'DURATION', default: '5s', help: "Prometheus's scrape_interval, in its own syntax" },
  },
});
