import { parseArgs } from 'node:util';
import { startRouter } from '../../router/server.ts';
import { loadTopologyFile } from '../../topology/load.ts';
import { runComponent } from '../run-component.ts';
import { parseInteger } from '../usage-error.ts';


export async function routerCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { topology: { type: 'string', default: 'topology.json' }, port: { type: 'string' } },
  });
  const { topology } = loadTopologyFile(values.topology);
  await runComponent('router', () =>
    startRouter({
      topology,
      port: values.port === undefined ? undefined : parseInteger('port', values.port),
    }),
  );
}
