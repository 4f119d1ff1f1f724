import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Request } from '../src/origin/s3/contract.ts';
import { PrefixRateLimiter } from '../src/origin/s3/request-rate.ts';
import { signedCall, startS3Origin, type S3Origin } from './helpers/s3-origin.ts';

function s3Request(method: string, bucket: string, key: string | undefined): S3Request {
  return { raw: {} as IncomingMessage, method, bucket, key, query: new URLSearchParams(), headers: {}, addressing: 'path', requestId: 'test' };
}

describe('PrefixRateLimiter (S3 per-prefix request rates)', () => {
  it("defaults to S3's 5,500 GET/HEAD and 3,500 PUT/COPY/POST/DELETE a second per prefix", () => {
    let now = 0;
    const limiter = new PrefixRateLimiter({}, () => now);
    for (let i = 0; i < 5_500; i++) limiter.admit(s3Request(i % 2 ? 'GET' : 'HEAD', 'b', `hot/${i}`));
    expect(() => limiter.admit(s3Request('GET', 'b', 'hot/x'))).toThrow(expect.objectContaining({ code: 'SlowDown', status: 503 }));
    // Writes have their own allowance, as do other prefixes and other buckets.
    for (let i = 0; i < 3_500; i++) limiter.admit(s3Request(['PUT', 'POST', 'DELETE'][i % 3]!, 'b', `hot/${i}`));
    expect(() => limiter.admit(s3Request('PUT', 'b', 'hot/y'))).toThrow(expect.objectContaining({ code: 'SlowDown' }));
    limiter.admit(s3Request('GET', 'b', 'cold/x'));
    limiter.admit(s3Request('GET', 'b', 'hot/deeper/x'));
    limiter.admit(s3Request('GET', 'other', 'hot/x'));
    // The allowance comes back at the rate: 100 ms gives 550 reads.
    now = 100;
    for (let i = 0; i < 550; i++) limiter.admit(s3Request('GET', 'b', `hot/${i}`));
    expect(() => limiter.admit(s3Request('GET', 'b', 'hot/x'))).toThrow(expect.objectContaining({ code: 'SlowDown' }));
  });

  it('forgets idle prefixes, so memory stays bounded', () => {
    let now = 0;
    const limiter = new PrefixRateLimiter({ getPerSecond: 2 }, () => now);
    for (let i = 0; i < 20_000; i++) {
      now += 1;
      limiter.admit(s3Request('GET', 'b', `p${i}/k`));
    }
    // Still refuses a hot prefix after sweeps.
    limiter.admit(s3Request('GET', 'b', 'hot/k'));
    limiter.admit(s3Request('GET', 'b', 'hot/k'));
    expect(() => limiter.admit(s3Request('GET', 'b', 'hot/k'))).toThrow(expect.objectContaining({ code: 'SlowDown' }));
  });
});

describe('a real origin with requestRateLimit', () => {
  let s3: S3Origin;
  beforeAll(async () => {
    s3 = await startS3Origin({ s3: { requestRateLimit: { getPerSecond: 20, putPerSecond: 5 } } });
    await s3.client.send(new CreateBucketCommand({ Bucket: 'hot' }));
  });
  afterAll(() => s3?.close());

  it('answers 503 SlowDown (S3 XML) to a hot prefix and nothing is written; other prefixes go on; the rate comes back', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await signedCall(s3.url, 'PUT', `/hot/logs/${i}.txt`, { body: 'x' })).status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses.slice(5)).toContain(503);
    const refused = statuses.indexOf(503);
    const slow = await signedCall(s3.url, 'PUT', '/hot/logs/extra.txt', { body: 'x' });
    expect(slow.status).toBe(503);
    expect(slow.text).toContain('<Code>SlowDown</Code>');
    expect(slow.headers['x-amz-request-id']).toBeTruthy();
    expect((await signedCall(s3.url, 'HEAD', '/hot/logs/extra.txt')).status).toBe(404);
    expect((await signedCall(s3.url, 'HEAD', `/hot/logs/${refused}.txt`)).status).toBe(404);
    // Another prefix has its own allowance.
    await s3.client.send(new PutObjectCommand({ Bucket: 'hot', Key: 'images/a.png', Body: 'png' }));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await signedCall(s3.url, 'PUT', '/hot/logs/later.txt', { body: 'x' })).status).toBe(200);
    const metrics = await (await fetch(`${s3.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    expect(metrics).toMatch(/cdn_origin_requests_total\{method="PUT",status="503",operation="PutObject"\} [1-9]/);
  });
});
