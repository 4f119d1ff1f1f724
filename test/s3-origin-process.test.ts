import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { rawCall } from './helpers/s3-origin.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];

/** `cdnsim origin` as its own process, with `env` added; resolves with its URL and what it printed. */
async function startOriginProcess(env: Record<string, string>): Promise<{ url: string; output: () => string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cdnsim-s3-process-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, ['bin/cdnsim.js', 'origin', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, CDNSIM_S3_ACCESS_KEY_ID: '', CDNSIM_S3_SECRET_ACCESS_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`origin did not start: ${output}`)), 30_000);
    const look = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => reject(new Error(`origin exited ${code}: ${output}`)));
  });
  return { url, output: () => output };
}

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('cdnsim origin with the topology origin.s3 (CDNSIM_S3_CONFIG)', () => {
  it('creates the configured buckets, serves a public-read one anonymously, takes the configured key only', async () => {
    const credential = { accessKeyId: 'SITEKEY1', secretAccessKey: 'site-secret-123' };
    const { url, output } = await startOriginProcess({
      CDNSIM_S3_CONFIG: JSON.stringify({ region: 'eu-west-1', credentials: [credential], buckets: [{ name: 'site', publicRead: true }, { name: 'private-data' }] }),
    });
    expect(output()).not.toContain('dev pair');
    const client = new S3Client({ endpoint: url, region: 'eu-west-1', forcePathStyle: true, credentials: credential, maxAttempts: 1 });
    try {
      await client.send(new PutObjectCommand({ Bucket: 'site', Key: 'index.html', Body: '<p>home</p>', ContentType: 'text/html' }));
      const anonymous = await rawCall(url, 'GET', '/site/index.html');
      expect([anonymous.status, anonymous.text, anonymous.headers['content-type']]).toEqual([200, '<p>home</p>', 'text/html']);
      expect((await rawCall(url, 'GET', '/private-data?list-type=2')).status).toBe(403);
      expect((await client.send(new ListObjectsV2Command({ Bucket: 'private-data' }))).KeyCount).toBe(0);
      const stranger = new S3Client({ endpoint: url, region: 'eu-west-1', forcePathStyle: true, credentials: { accessKeyId: 'OTHERKEY', secretAccessKey: 'nope-nope' }, maxAttempts: 1 });
      await expect(stranger.send(new ListObjectsV2Command({ Bucket: 'site' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      stranger.destroy();
    } finally {
      client.destroy();
    }
  }, 60_000);

  it('prints the well-known dev key pair when no credential is configured, and refuses a bad config', async () => {
    const { output } = await startOriginProcess({});
    expect(output()).toMatch(/S3 API access key id CDNSIMDEVACCESSKEY, secret access key cdnsim-dev-secret-access-key/);
    await expect(startOriginProcess({ CDNSIM_S3_CONFIG: JSON.stringify({ buckets: [{ name: 'Bad_Name' }] }) })).rejects.toThrow(
      /CDNSIM_S3_CONFIG: buckets.0.name: must be an S3 bucket name/,
    );
  }, 60_000);
});
