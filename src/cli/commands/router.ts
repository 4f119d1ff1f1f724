import { startRouter } from '../../router/server.ts';
import { loadTopologyFile } from '../../topology/load.ts';
import { runComponent } from '../run-component.ts';
import { parseCommand } from '../command-spec.ts';
import { portOption } from '../option-values.ts';
import { routerSpec } from '../options/router.ts';


export async function routerCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(routerSpec, args);
  const { topology } = loadTopologyFile(values.topology);
  await runComponent('router', () =>
    startRouter({
      topology,
      port: values.port === undefined ? undefined : portOption(values.port),
      dnsPort: values['dns-port'] === undefined ? undefined : portOption(values['dns-port']),
    }),
  );
}
