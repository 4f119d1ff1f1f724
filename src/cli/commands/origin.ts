import path from 'node:path';
import { parseCommand } from '../command-spec.ts';
import { originSpec } from '../options/origin.ts';
import { adminTokenFromEnv } from '../../admin/token.ts';
import { startOrigin } from '../../origin/server.ts';
import { runComponent } from '../run-component.ts';
import { portOption, sizeOption } from '../option-values.ts';


export async function originCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(originSpec, args);
  await runComponent(values.id, () =>
    startOrigin({
      id: values.id,
      host: values.host,
      port: portOption(values.port),
      dataDir: path.resolve(values['data-dir']),
      maxObjectBytes: sizeOption('max-object-bytes', values['max-object-bytes'], { above: 0 }, 100 * 1024 * 1024),
      adminToken: adminTokenFromEnv(),
    }),
  );
}
