/**
 * The origin's S3 API against its own plain API, in one run with one load generator (wrk, one
 * thread): S3 GetObject with SigV4 verified on every request, vs the cdnsim API's GET of the same
 * bytes, for a 1 KiB and a 1 MiB object (target ratio >= 0.8); then PUT throughput of 1 MiB
 * objects, each fsynced before the answer, by S3 PutObject (the SDK's defaults: aws-chunked with a
 * CRC32 trailer) and by the cdnsim API. The origin has CPU 0, wrk CPU 1, as in perf.md.
 * Run: npm run bench:s3 [-- --seconds 5 --warmup 3 --rounds 3 --connections 32 --puts 200 --put-concurrency 8]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { ADMIN_TOKEN_ENV } from '../src/admin/token.ts';
import { createRequestSigner } from '../src/origin/s3/sign-request.ts';
import { DEV_CREDENTIAL } from '../src/origin/s3/settings.ts';
import { ManagedChild } from '../src/supervisor/child.ts';
import { waitHealthy } from '../src/supervisor/health-wait.ts';
import { compare, printTable } from './lib/compare.ts';
import { pinToCpu } from './lib/pin.ts';
import { ratio } from './lib/processes.ts';
import { requireWrk } from './lib/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    puts: { type: 'string', default: '200' },
    'put-concurrency': { type: 'string', default: '8' },
  },
});
const options = {
  seconds: Number(values.seconds),
  warmup: Number(values.warmup),
  rounds: Number(values.rounds),
  connections: Number(values.connections),
  cpu: 1,
};
const puts = Number(values.puts);
const putConcurrency = Number(values['put-concurrency']);
const ADMIN_TOKEN = 'bench-admin-token';
const BUCKET = 'bench';
const MiB = 1024 * 1024;

await requireWrk();
const dataDir = mkdtempSync(path.join(tmpdir(), 'cdnsim-bench-s3-'));
const origin = new ManagedChild(
  {
    role: 'origin',
    id: 'origin',
    region: 'bench',
    port: 0,
    args: (port) => ['origin', '--id', 'origin', '--port', String(port), '--data-dir', dataDir, '--max-object-bytes', String(16 * MiB)],
  },
  { env: { ...process.env, [ADMIN_TOKEN_ENV]: ADMIN_TOKEN }, log: () => undefined, prefixWidth: 6 },
);
const client = new S3Client({ endpoint: 'http://127.0.0.1', region: 'us-east-1', forcePathStyle: true, credentials: DEV_CREDENTIAL, maxAttempts: 1 });

async function plainPut(url: string, body: Buffer): Promise<void> {
  const response = await request(url, {
    method: 'PUT',
    body,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  await response.body.dump();
  if (response.statusCode >= 300) throw new Error(`PUT ${url}: ${response.statusCode}`);
}

/** The origin process's CPU seconds so far, from its /metrics. */
async function originCpuSeconds(): Promise<number> {
  const response = await request(`${origin.url}/metrics`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await response.body.text();
  const match = /^process_cpu_seconds_total (\S+)$/m.exec(text);
  return match ? Number(match[1]) : NaN;
}

/** `count` uploads, `concurrency` at a time; objects per second, MiB/s, and the origin's CPU ms per object. */
async function putThroughput(
  count: number,
  concurrency: number,
  put: (index: number) => Promise<void>,
): Promise<{ perSecond: number; mibPerSecond: number; originCpuMs: number }> {
  let next = 0;
  const cpuBefore = await originCpuSeconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await put(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const originCpuMs = ((await originCpuSeconds()) - cpuBefore) * 1000 / count;
  return { perSecond: count / seconds, mibPerSecond: count / seconds, originCpuMs };
}

try {
  await origin.start();
  await waitHealthy(origin.url);
  client.config.endpoint = async () => ({ protocol: 'http:', hostname: '127.0.0.1', port: origin.port, path: '/' });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const objects = { '1k': randomBytes(1024), '1m': randomBytes(MiB) };
  for (const [name, body] of Object.entries(objects)) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `obj-${name}`, Body: body }));
    await plainPut(`${origin.url}/obj-${name}`, body);
  }
  // One signature for every request of a run: S3 verifies each one in full (it does not remember
  // signatures), and accepts it again within its 15-minute clock skew, so wrk can replay it.
  const sign = createRequestSigner({ credentials: DEV_CREDENTIAL, region: 'us-east-1' });
  const pinned = (await pinToCpu(origin.pid!, 0));
  console.log(
    `origin ${pinned ? 'pinned to CPU 0, wrk to CPU 1' : 'not pinned (no taskset)'}; ${options.connections} connections; ` +
      `${options.warmup} s warm-up each, then the median of ${options.rounds} alternating ${options.seconds} s runs\n`,
  );
  const rows = [['object', 'API', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'errors']];
  for (const name of Object.keys(objects)) {
    const s3Url = `${origin.url}/${BUCKET}/obj-${name}`;
    const signed = await sign({ method: 'GET', url: s3Url });
    const check = await request(signed.url, { headers: signed.headers });
    await check.body.dump();
    if (check.statusCode !== 200) throw new Error(`signed GET ${s3Url}: ${check.statusCode}`);
    const { host: _host, ...headers } = signed.headers;
    const results = await compare(
      [
        ['cdnsim GET', `${origin.url}/obj-${name}`],
        ['S3 GetObject (SigV4)', signed.url, headers],
      ],
      options,
    );
    const plain = results.get('cdnsim GET')!.requestsPerSecond;
    for (const [api, result] of results) {
      rows.push([name === '1k' ? '1 KiB' : '1 MiB', api, result.requestsPerSecond.toFixed(0), ratio(result.requestsPerSecond, plain), result.p50Ms.toFixed(3), result.p99Ms.toFixed(3), String(result.errors)]);
    }
  }
  printTable(rows);

  console.log(`\nPUT of 1 MiB objects (temp file, fsync, rename, directory fsync before each answer): ${puts} objects, ${putConcurrency} at a time`);
  const body = randomBytes(MiB);
  const s3Put = await putThroughput(puts, putConcurrency, async (index) => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `put/${index}`, Body: body }));
  });
  // The same PUT signed UNSIGNED-PAYLOAD with no checksum: what the SDK's CRC32 (computed in JS on
  // both sides) and aws-chunked framing cost, apart from SigV4 and the fsynced write.
  const s3Unsigned = await putThroughput(puts, putConcurrency, async (index) => {
    const signed = await sign({ method: 'PUT', url: `${origin.url}/${BUCKET}/raw/${index}` });
    const response = await request(signed.url, { method: 'PUT', body, headers: signed.headers, headersTimeout: 30_000, bodyTimeout: 30_000 });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`signed PUT: ${response.statusCode}`);
  });
  const plain = await putThroughput(puts, putConcurrency, (index) => plainPut(`${origin.url}/put-${index}`, body));
  const row = (name: string, result: Awaited<ReturnType<typeof putThroughput>>) => [name, result.perSecond.toFixed(1), result.mibPerSecond.toFixed(1), result.originCpuMs.toFixed(2)];
  printTable([
    ['API', 'objects/s', 'MiB/s', 'origin CPU ms/object'],
    row('S3 PutObject (SDK defaults: aws-chunked, CRC32 trailer)', s3Put),
    row('S3 PutObject (SigV4, UNSIGNED-PAYLOAD, no checksum)', s3Unsigned),
    row('cdnsim PUT', plain),
  ]);
} finally {
  client.destroy();
  await origin.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
