import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsS3 } from './helpers/aws-cli.ts';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { rawCall, s3ClientFor, startS3Origin, type S3Origin } from './helpers/s3-origin.ts';
import { shouldRunWith } from './helpers/system-binary.ts';
import { startTestCluster, TEST_EDGES, testTopology, type TestCluster } from './helpers/test-cluster.ts';

const US = '8.8.8.8';
const DE = '193.99.144.80';

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

async function originMetrics(cluster: TestCluster): Promise<string> {
  return (await get(`${cluster.originUrl}/metrics`)).text;
}

function counter(metrics: string, labels: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`cdn_origin_requests_total{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

const run = shouldRunWith(['aws'], 'apt-get install awscli');

describe.runIf(run)('the CDN in front of a private S3 bucket (a static site uploaded with aws s3 sync)', () => {
  let cluster: TestCluster;
  const site = mkdtempSync(path.join(tmpdir(), 'cdnsim-site-'));
  afterAll(() => rmSync(site, { recursive: true, force: true }));

  beforeAll(async () => {
    const base = testTopology({ edges: TEST_EDGES.filter((edge) => edge.id === 'iad' || edge.id === 'fra') });
    const s3 = { bucket: 'site', buckets: [{ name: 'site', purgeOnWrite: true }] };
    cluster = await startTestCluster({ ...base, origin: { ...base.origin, s3 } });
    mkdirSync(path.join(site, 'css'), { recursive: true });
    mkdirSync(path.join(site, 'blog', '2026'), { recursive: true });
    writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>home</title>');
    writeFileSync(path.join(site, 'css', 'site.css'), 'body { color: navy }');
    writeFileSync(path.join(site, 'blog', '2026', 'first post.html'), '<p>first</p>');
    await awsS3(cluster.originUrl, ['sync', site, 's3://site', '--cache-control', 'public, max-age=300']);
  }, 60_000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('serves every uploaded file through the router: MISS then HIT, with the Cache-Control of the upload', async () => {
    for (const [pathname, body, type] of [
      ['/index.html', '<!doctype html><title>home</title>', 'text/html'],
      ['/css/site.css', 'body { color: navy }', 'text/css'],
      ['/blog/2026/first%20post.html', '<p>first</p>', 'text/html'],
    ] as const) {
      const first = await get(`${cluster.routerUrl}${pathname}`, { 'x-forwarded-for': US });
      expect([first.status, first.headers['x-cache'], first.text], pathname).toEqual([200, 'MISS', body]);
      expect(first.headers['x-served-by']).toBe('iad');
      expect(first.headers['cache-control']).toBe('public, max-age=300');
      expect(String(first.headers['content-type'])).toContain(type);
      expect(first.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
      const second = await get(`${cluster.routerUrl}${pathname}`, { 'x-forwarded-for': US });
      expect([second.status, second.headers['x-cache'], second.text], pathname).toEqual([200, 'HIT', body]);
      // The upload's max-age is what the edge keeps it for.
      expect(String(second.headers['cache-status'])).toMatch(/; hit; ttl=(29\d|300)/);
    }
  });

  it('serves / as index.html (the default root object) and a missing key as S3 answers it', async () => {
    const root = await get(`${cluster.routerUrl}/`, { 'x-forwarded-for': DE });
    expect([root.status, root.headers['x-served-by'], root.text]).toEqual([200, 'fra', '<!doctype html><title>home</title>']);
    const missing = await get(`${cluster.routerUrl}/nope.html`, { 'x-forwarded-for': DE });
    // The edge signs, so S3 may say the key does not exist (an anonymous reader would get 403).
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<Code>NoSuchKey</Code>');
  });

  it('refuses anonymous direct access to the bucket, while the edges sign their reads', async () => {
    const direct = await rawCall(cluster.originUrl, 'GET', '/site/index.html');
    expect(direct.status).toBe(403);
    expect(direct.text).toContain('<Code>AccessDenied</Code>');
    const listing = await rawCall(cluster.originUrl, 'GET', '/site?list-type=2');
    expect(listing.status).toBe(403);
    const metrics = await originMetrics(cluster);
    expect(counter(metrics, 'method="GET",status="200",operation="GetObject"')).toBeGreaterThanOrEqual(4);
  });

  it("never lets a viewer's query or credentials choose another S3 operation on the bucket", async () => {
    const before = counter(await originMetrics(cluster), 'method="GET",status="200",operation="ListObjectsV2"');
    const listing = await get(`${cluster.routerUrl}/?list-type=2`, { 'x-forwarded-for': DE });
    expect(listing.text).not.toContain('ListBucketResult');
    const uploads = await get(`${cluster.routerUrl}/index.html?uploads`, { 'x-forwarded-for': DE });
    expect(uploads.text).toBe('<!doctype html><title>home</title>');
    expect(counter(await originMetrics(cluster), 'method="GET",status="200",operation="ListObjectsV2"')).toBe(before);
    // A viewer's PUT is not signed by the edge: the private bucket refuses it and nothing is written.
    const put = await request(`${cluster.routerUrl}/index.html`, { method: 'PUT', body: 'defaced', headers: { 'x-forwarded-for': US }, headersTimeout: 10_000 });
    await put.body.text();
    expect(put.statusCode).toBeGreaterThanOrEqual(400);
    const after = await get(`${cluster.routerUrl}/index.html`, { 'x-forwarded-for': DE });
    expect(after.text).toBe('<!doctype html><title>home</title>');
  });

  it("revalidates an expired object with its ETag and gets a 304; a changed object's new body after that", async () => {
    writeFileSync(path.join(site, 'news.html'), 'v1');
    await awsS3(cluster.originUrl, ['cp', path.join(site, 'news.html'), 's3://site/news.html', '--cache-control', 'max-age=1']);
    const first = await get(`${cluster.routerUrl}/news.html`, { 'x-forwarded-for': US });
    expect([first.headers['x-cache'], first.text]).toEqual(['MISS', 'v1']);
    const before = counter(await originMetrics(cluster), 'method="GET",status="304",operation="GetObject"');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const revalidated = await get(`${cluster.routerUrl}/news.html`, { 'x-forwarded-for': US });
    expect([revalidated.status, revalidated.headers['x-cache'], revalidated.text]).toEqual([200, 'REVALIDATED', 'v1']);
    expect(counter(await originMetrics(cluster), 'method="GET",status="304",operation="GetObject"')).toBe(before + 1);

    writeFileSync(path.join(site, 'news.html'), 'v2');
    await awsS3(cluster.originUrl, ['cp', path.join(site, 'news.html'), 's3://site/news.html', '--cache-control', 'max-age=1']);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const changed = await get(`${cluster.routerUrl}/news.html`, { 'x-forwarded-for': US });
    expect([changed.status, changed.text]).toEqual([200, 'v2']);
  }, 20_000);

  it('purges a written or deleted key at every edge (purgeOnWrite), counted by result', async () => {
    const client = s3ClientFor(cluster.originUrl);
    try {
      const url = `${cluster.routerUrl}/blog/2026/first%20post.html`;
      for (const ip of [US, DE]) {
        await get(url, { 'x-forwarded-for': ip });
        expect((await get(url, { 'x-forwarded-for': ip })).headers['x-cache'], ip).toBe('HIT');
      }
      const purged = () => originMetrics(cluster).then((metrics) => metrics.match(/cdn_origin_purge_notifications_total\{bucket="site",result="ok"\} (\d+)/));
      const sent = Number((await purged())?.[1] ?? 0);
      expect(sent).toBeGreaterThan(0);
      await client.send(new PutObjectCommand({ Bucket: 'site', Key: 'blog/2026/first post.html', Body: '<p>edited</p>', CacheControl: 'public, max-age=300' }));
      const waitForPurge = async (count: number) => {
        for (let tries = 0; Number((await purged())?.[1] ?? 0) < count; tries++) {
          if (tries > 50) throw new Error('no purge notification within 5 s');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      await waitForPurge(sent + 1);
      for (const ip of [US, DE]) {
        const fresh = await get(url, { 'x-forwarded-for': ip });
        expect([fresh.headers['x-cache'], fresh.text], ip).toEqual(['MISS', '<p>edited</p>']);
      }
      await client.send(new DeleteObjectCommand({ Bucket: 'site', Key: 'blog/2026/first post.html' }));
      await waitForPurge(sent + 2);
      for (const ip of [US, DE]) expect((await get(url, { 'x-forwarded-for': ip })).status, ip).toBe(404);
      expect(await originMetrics(cluster)).not.toMatch(/cdn_origin_purge_notifications_total\{bucket="site",result="(failed|no_target)"\} [1-9]/);
    } finally {
      client.destroy();
    }
  });
});

describe('the CDN in front of a bucket of another S3 endpoint (origin.url)', () => {
  let external: S3Origin;
  let cluster: TestCluster;
  const credential = { accessKeyId: 'EXTERNALKEY1', secretAccessKey: 'external-secret-key' };

  beforeAll(async () => {
    // Another S3 server, not started by the cluster, knowing another key pair than the dev one.
    external = await startS3Origin({ s3: { credentials: [credential], buckets: [{ name: 'assets' }] } });
    const writer = s3ClientFor(external.url);
    writer.config.credentials = async () => credential;
    await writer.send(new PutObjectCommand({ Bucket: 'assets', Key: 'logo.svg', Body: '<svg/>', ContentType: 'image/svg+xml', CacheControl: 'max-age=60' }));
    writer.destroy();
    const base = testTopology({ edges: TEST_EDGES.filter((edge) => edge.id === 'iad') });
    const { port: _port, dataDir: _dataDir, ...origin } = base.origin;
    cluster = await startTestCluster({ ...base, origin: { ...origin, url: external.url, s3: { bucket: 'assets', credentials: [credential] } } });
  }, 60_000);
  afterAll(async () => {
    await cluster?.dispose();
    await external?.close();
  });

  it('edges sign with the configured key pair: MISS then HIT; the dev pair and anonymous readers are refused there', async () => {
    const first = await get(`${cluster.routerUrl}/logo.svg`);
    expect([first.status, first.headers['x-cache'], first.headers['content-type'], first.text]).toEqual([200, 'MISS', 'image/svg+xml', '<svg/>']);
    expect((await get(`${cluster.routerUrl}/logo.svg`)).headers['x-cache']).toBe('HIT');
    expect((await rawCall(external.url, 'GET', '/assets/logo.svg')).status).toBe(403);
    const devClient = s3ClientFor(external.url);
    try {
      await expect(devClient.send(new CreateBucketCommand({ Bucket: 'intruder' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    } finally {
      devClient.destroy();
    }
  });
});
