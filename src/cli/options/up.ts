import { defineCommand } from '../command-spec.ts';

export const upSpec = defineCommand({
  name: 'up',
  synopsis: '[--topology FILE] [--run-dir DIR]',
  about: `Starts the origin, every edge and the router of a topology, prints their URLs, and stops
them all on Ctrl-C / SIGTERM. (npm start runs this.)`,
  options: {
    topology: { type: 'string', arg: 'FILE', default: 'topology.json', help: 'the topology to start' },
    'run-dir': { type: 'string', arg: 'DIR', default: '.cdnsim/run', help: 'where logs and prometheus.yml go' },
  },
});
