import { defineCommand } from '../command-spec.ts';

export const originSpec = defineCommand({
  name: 'origin',
  synopsis: '--port P [--data-dir DIR] [options]',
  about: 'The built-in origin: a durable object store on disk plus synthetic /gen objects.',
  options: {
    port: { type: 'string', arg: 'P', help: 'port to listen on (0: any free port)' },
    host: { type: 'string', arg: 'HOST', default: '127.0.0.1', help: 'address to listen on' },
    'data-dir': { type: 'string', arg: 'DIR', default: '.cdnsim/origin-data', help: 'where stored objects live' },
    'max-object-bytes': { type: 'string', arg: 'SIZE', help: 'largest PUT body, e.g. 100MiB (default 100 MiB); 413 beyond' },
    id: { type: 'string', arg: 'ID', default: 'origin', help: 'name in logs and metrics' },
  },
});
