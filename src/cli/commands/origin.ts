import path from 'node:path';
import { parseCommand } from '../command-spec.ts';
import { originSpec } from '../options/origin.ts';
import { adminTokenFromEnv } from '../../admin/token.ts';
import { startOrigin } from '../../origin/server.ts';
import { runComponent } from '../run-component.ts';
import { portOption, sizeOption } from '../option-values.ts';
import { S3_ACCESS_KEY_ENV, S3_SECRET_KEY_ENV } from '../../origin/s3/settings.ts';
import { s3ConfigFromEnv } from './origin-s3.ts';
import { purgeTargetFromEnv } from './origin-purge.ts';

export async function originCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(originSpec, args);
  const s3 = s3ConfigFromEnv();
  const purgeTarget = purgeTargetFromEnv();
  await runComponent(values.id, async () => {
    const origin = await startOrigin({
      id: values.id,
      host: values.host,
      port: portOption(values.port),
      dataDir: path.resolve(values['data-dir']),
      maxObjectBytes: sizeOption('max-object-bytes', values['max-object-bytes'], { above: 0 }, 100 * 1024 * 1024),
      adminToken: adminTokenFromEnv(),
      ...(s3 ? { s3 } : {}),
      ...(purgeTarget ? { purgeTarget } : {}),
    });
    if (origin.s3DevCredential) {
      const [dev] = origin.s3.credentials;
      // Printed like the admin token: a local S3 client needs it to sign its requests.
      console.log(
        `${values.id}: S3 API access key id ${dev!.accessKeyId}, secret access key ${dev!.secretAccessKey} ` +
          `(the well-known dev pair; set ${S3_ACCESS_KEY_ENV} and ${S3_SECRET_KEY_ENV} or origin.s3.credentials for your own)`,
      );
    }
    return origin;
  });
}
