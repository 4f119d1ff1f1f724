import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CREDENTIAL } from '../src/origin/s3/settings.ts';
import { awsCliEnv, awsS3, runBinary } from './helpers/aws-cli.ts';
import { startS3Origin, type S3Origin } from './helpers/s3-origin.ts';
import { shouldRunWith } from './helpers/system-binary.ts';

let s3: S3Origin;
const scratch = mkdtempSync(path.join(tmpdir(), 'cdnsim-clients-'));

beforeAll(async () => {
  s3 = await startS3Origin();
});
afterAll(async () => {
  await s3?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

/** A folder tree with nested prefixes, a name with a space, an empty file and one that takes a multipart upload (rclone's cutoff is 200 MiB, aws's 8 MiB). */
function writeTree(root: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    'index.html': Buffer.from('<h1>home</h1>'),
    'a/one.txt': Buffer.from('one'),
    'a/b/two.txt': Buffer.from('two'),
    'a/b/c/deep file.txt': Buffer.from('deep'),
    'empty.txt': Buffer.alloc(0),
    'data/big.bin': randomBytes(9 * 1024 * 1024),
  };
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), body);
  }
  return files;
}

async function getText(url: string): Promise<{ status: number; text: string }> {
  const response = await request(url, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: response.statusCode, text: await response.body.text() };
}

describe('@aws-sdk/client-s3 (default configuration: checksums on) and s3-request-presigner', () => {
  it('puts with its default CRC32 checksum, reads back and answers the checksum when asked', async () => {
    await s3.client.send(new CreateBucketCommand({ Bucket: 'sdk' }));
    const body = randomBytes(300_000);
    const put = await s3.client.send(new PutObjectCommand({ Bucket: 'sdk', Key: 'dir/obj.bin', Body: body }));
    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(put.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const got = await s3.client.send(new GetObjectCommand({ Bucket: 'sdk', Key: 'dir/obj.bin', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
  });

  it('a presigned GET works; the same URL tampered or expired is refused with 403', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: 'sdk', Key: 'signed.txt', Body: 'presigned body' }));
    const url = await getSignedUrl(s3.client, new GetObjectCommand({ Bucket: 'sdk', Key: 'signed.txt' }), { expiresIn: 60 });
    expect(await getText(url)).toEqual({ status: 200, text: 'presigned body' });
    const otherKey = await getText(url.replace('signed.txt', 'signed.txx'));
    expect(otherKey.status).toBe(403);
    expect(otherKey.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '3600');
    expect((await getText(longer.toString())).status).toBe(403);
    const expired = await getSignedUrl(s3.client, new GetObjectCommand({ Bucket: 'sdk', Key: 'signed.txt' }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 10_000),
    });
    const answer = await getText(expired);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('<Code>AccessDenied</Code>');
  });
});

describe.runIf(shouldRunWith(['aws'], 'apt-get install awscli'))('awscli (aws s3 cp/ls/sync/rm --endpoint-url)', () => {
  it('round-trips a folder tree: sync up, ls, cp down byte-identical, sync down, rm', async () => {
    const local = path.join(scratch, 'aws-up');
    const files = writeTree(local);
    await awsS3(s3.url, ['mb', 's3://awscli']);
    await awsS3(s3.url, ['sync', local, 's3://awscli/tree']);
    const listing = await awsS3(s3.url, ['ls', '--recursive', 's3://awscli/tree/']);
    const keys = listing
      .trim()
      .split('\n')
      .map((line) => line.replace(/^\S+\s+\S+\s+\d+\s+/, ''))
      .sort();
    expect(keys).toEqual(Object.keys(files).map((name) => `tree/${name}`).sort());
    // Prefixes listed one level at a time, as `ls` without --recursive asks with a delimiter.
    expect(await awsS3(s3.url, ['ls', 's3://awscli/tree/a/'])).toMatch(/PRE b\/\n.*one\.txt/s);
    // Over 8 MiB: the CLI uploaded it in parts, so its ETag is a composite one.
    const head = await runBinary('aws', ['s3api', 'head-object', '--bucket', 'awscli', '--key', 'tree/data/big.bin', '--endpoint-url', s3.url], { env: awsCliEnv() });
    expect(head.code, head.stderr).toBe(0);
    expect(JSON.parse(head.stdout).ETag).toMatch(/-2"$/);

    await awsS3(s3.url, ['cp', 's3://awscli/tree/a/b/c/deep file.txt', path.join(scratch, 'deep.txt')]);
    expect(readFileSync(path.join(scratch, 'deep.txt'), 'utf8')).toBe('deep');
    const down = path.join(scratch, 'aws-down');
    await awsS3(s3.url, ['sync', 's3://awscli/tree', down]);
    for (const [name, body] of Object.entries(files)) expect(md5(readFileSync(path.join(down, name))), name).toBe(md5(body));
    // A second sync finds nothing to do.
    expect((await awsS3(s3.url, ['sync', local, 's3://awscli/tree'])).trim()).toBe('');

    await awsS3(s3.url, ['rm', 's3://awscli/tree/a/one.txt']);
    await awsS3(s3.url, ['rm', '--recursive', 's3://awscli/tree/data/']);
    const after = await awsS3(s3.url, ['ls', '--recursive', 's3://awscli/tree/']);
    expect(after).not.toContain('one.txt');
    expect(after).not.toContain('big.bin');
    expect(after).toContain('deep file.txt');
  }, 120_000);
});

describe.runIf(shouldRunWith(['s3cmd'], 'apt-get install s3cmd'))('s3cmd', () => {
  it('makes a bucket, puts, lists, gets byte-identical, deletes (SigV4, path-style)', async () => {
    const { host } = new URL(s3.url);
    const config = path.join(scratch, 's3cmd.cfg');
    writeFileSync(
      config,
      [
        '[default]',
        `access_key = ${DEV_CREDENTIAL.accessKeyId}`,
        `secret_key = ${DEV_CREDENTIAL.secretAccessKey}`,
        `host_base = ${host}`,
        // No %(bucket)s: path-style addressing.
        `host_bucket = ${host}`,
        'use_https = False',
        'signature_v2 = False',
        'bucket_location = us-east-1',
        '',
      ].join('\n'),
    );
    const s3cmd = async (...args: string[]) => {
      const result = await runBinary('s3cmd', ['-c', config, ...args], { env: { PATH: process.env.PATH, HOME: scratch } });
      if (result.code !== 0) throw new Error(`s3cmd ${args.join(' ')} exited ${result.code}: ${result.stderr || result.stdout}`);
      return result.stdout;
    };
    await s3cmd('mb', 's3://s3cmd');
    const local = path.join(scratch, 's3cmd-up.bin');
    const body = randomBytes(2 * 1024 * 1024);
    writeFileSync(local, body);
    await s3cmd('put', local, 's3://s3cmd/nested/dir/file.bin', '--mime-type=application/x-test');
    await s3cmd('put', local, 's3://s3cmd/top.bin');
    const listing = await s3cmd('ls', '--recursive', 's3://s3cmd');
    expect(listing).toContain('s3://s3cmd/nested/dir/file.bin');
    expect(listing).toContain('s3://s3cmd/top.bin');
    expect(await s3cmd('ls', 's3://s3cmd/')).toMatch(/DIR\s+s3:\/\/s3cmd\/nested\//);
    const down = path.join(scratch, 's3cmd-down.bin');
    await s3cmd('get', 's3://s3cmd/nested/dir/file.bin', down);
    expect(md5(readFileSync(down))).toBe(md5(body));
    const info = await s3cmd('info', 's3://s3cmd/nested/dir/file.bin');
    expect(info).toMatch(/MIME type:\s+application\/x-test/);
    await s3cmd('del', 's3://s3cmd/nested/dir/file.bin');
    expect(await s3cmd('ls', '--recursive', 's3://s3cmd')).not.toContain('file.bin');
  }, 60_000);
});

describe.runIf(shouldRunWith(['rclone'], 'apt-get install rclone'))('rclone', () => {
  it('copy, check and lsf round-trip a folder tree with nested prefixes', async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: scratch,
      RCLONE_CONFIG: path.join(scratch, 'rclone.conf'),
      RCLONE_CONFIG_CDN_TYPE: 's3',
      RCLONE_CONFIG_CDN_PROVIDER: 'Other',
      RCLONE_CONFIG_CDN_ACCESS_KEY_ID: DEV_CREDENTIAL.accessKeyId,
      RCLONE_CONFIG_CDN_SECRET_ACCESS_KEY: DEV_CREDENTIAL.secretAccessKey,
      RCLONE_CONFIG_CDN_ENDPOINT: s3.url,
      RCLONE_CONFIG_CDN_REGION: 'us-east-1',
      RCLONE_CONFIG_CDN_FORCE_PATH_STYLE: 'true',
    };
    writeFileSync(env.RCLONE_CONFIG, '');
    const rclone = async (...args: string[]) => {
      const result = await runBinary('rclone', [...args, '--retries', '1', '--low-level-retries', '1', '--contimeout', '5s', '--timeout', '30s'], { env });
      if (result.code !== 0) throw new Error(`rclone ${args.join(' ')} exited ${result.code}: ${result.stderr || result.stdout}`);
      return result.stdout;
    };
    const local = path.join(scratch, 'rclone-up');
    const files = writeTree(local);
    await rclone('mkdir', 'cdn:rclone');
    // Multipart above 5 MiB, so the big file goes in parts as well.
    await rclone('copy', local, 'cdn:rclone/site', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M');
    await rclone('check', local, 'cdn:rclone/site');
    const listed = (await rclone('lsf', '-R', '--files-only', 'cdn:rclone/site')).trim().split('\n').sort();
    expect(listed).toEqual(Object.keys(files).sort());
    expect((await rclone('lsf', 'cdn:rclone/site/a')).trim().split('\n').sort()).toEqual(['b/', 'one.txt']);
    const down = path.join(scratch, 'rclone-down');
    await rclone('copy', 'cdn:rclone/site', down);
    await rclone('check', local, down);
    for (const [name, body] of Object.entries(files)) expect(md5(readFileSync(path.join(down, name))), name).toBe(md5(body));
    // check fails when the bucket and the folder differ.
    writeFileSync(path.join(local, 'a', 'one.txt'), 'changed');
    const differs = await runBinary('rclone', ['check', local, 'cdn:rclone/site'], { env });
    expect(differs.code).not.toBe(0);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: 'rclone', Key: 'site/data/big.bin' }));
    expect(head.ContentLength).toBe(files['data/big.bin']!.length);
  }, 120_000);
});
