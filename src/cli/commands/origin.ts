import path from 'node:path';
import { parseArgs } from 'node:util';
import { adminTokenFromEnv } from '../../admin/token.ts';
import { startOrigin } from '../../origin/server.ts';
import { runComponent } from '../run-component.ts';
import { parseInteger } from '../usage-error.ts';


export async function originCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string', default: '.cdnsim/origin-data' },
      'max-object-bytes': { type: 'string' },
      id: { type: 'string', default: 'origin' },
    },
  });
  await runComponent(values.id, () =>
    startOrigin({
      id: values.id,
      host: values.host,
      port: parseInteger('port', values.port),
      dataDir: path.resolve(values['data-dir']),
      maxObjectBytes: parseInteger('max-object-bytes', values['max-object-bytes'], 100 * 1024 * 1024),
      adminToken: adminTokenFromEnv(),
    }),
  );
}
