import { defineCommand } from '../command-spec.ts';

export const routerSpec = defineCommand({
  name: 'router',
  synopsis: '--topology FILE [--port P] [--dns-port P]',
  about: 'The geo router alone, in front of the edges the topology names (already running).',
  options: {
    topology: { type: 'string', arg: 'FILE', default: 'topology.json', help: 'the topology whose edges it routes to' },
    port: { type: 'string', arg: 'P', help: "port to listen on (default: the topology's router.port)" },
    'dns-port': { type: 'string', arg: 'P', help: "UDP and TCP port of its DNS server (default: the topology's dns.port; DNS runs only with a dns section)" },
  },
});
