import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareKeys } from '../src/origin/s3/key-index.ts';
import { signedCall, startS3Origin, type S3Origin } from './helpers/s3-origin.ts';

let s3: S3Origin;
let client: S3Client;

/** 50 folders of 50 keys, plus top-level keys that sort before, between and after them: 2,510 keys. */
const FOLDER_KEYS = Array.from({ length: 50 }, (_, folder) =>
  Array.from({ length: 50 }, (_, file) => `dir${String(folder).padStart(2, '0')}/file${String(file).padStart(2, '0')}.txt`),
).flat();
const TOP_KEYS = ['a-first', 'dir', 'dir25-between', 'm-middle', 'z-last', 'dir00', 'e-5', 'f', 'g/', 'zz'];
const ALL_KEYS = [...FOLDER_KEYS, ...TOP_KEYS].sort(compareKeys);

async function putAll(bucket: string, keys: readonly string[]): Promise<void> {
  const queue = [...keys];
  // 32 uploads in flight: each PUT waits on fsync, so one at a time would take long.
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      }
    }),
  );
}

beforeAll(async () => {
  // Listing is under test here, not durability: on tmpfs (where there is one) the 2,510 fsyncs cost nothing.
  s3 = await startS3Origin(existsSync('/dev/shm') ? { dataDir: await mkdtemp('/dev/shm/cdnsim-s3-listing-') } : {});
  client = s3.client;
  await client.send(new CreateBucketCommand({ Bucket: 'many' }));
  await putAll('many', [...FOLDER_KEYS, ...TOP_KEYS]);
}, 120_000);
afterAll(async () => {
  await s3?.close();
  if (s3?.dataDir.startsWith('/dev/shm/')) await rm(s3.dataDir, { recursive: true, force: true });
});

describe('ListObjectsV2 over 2,510 keys', () => {
  it('pages through every key once, in order, 1,000 at a time', async () => {
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client }, { Bucket: 'many' })) {
      pages.push(page.Contents?.map((entry) => entry.Key!) ?? []);
      expect(page.KeyCount).toBe(pages.at(-1)!.length);
    }
    expect(pages.map((page) => page.length)).toEqual([1000, 1000, 510]);
    expect(pages.flat()).toEqual(ALL_KEYS);
  });

  it('rolls keys up into CommonPrefixes with a delimiter, across pages that end on a prefix', async () => {
    const prefixes: string[] = [];
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client, pageSize: 7 }, { Bucket: 'many', Delimiter: '/' })) {
      pages++;
      const items = (page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0);
      expect(items).toBeLessThanOrEqual(7);
      expect(page.KeyCount).toBe(items);
      prefixes.push(...(page.CommonPrefixes?.map((entry) => entry.Prefix!) ?? []));
      keys.push(...(page.Contents?.map((entry) => entry.Key!) ?? []));
    }
    const expectedPrefixes = [...Array.from({ length: 50 }, (_, i) => `dir${String(i).padStart(2, '0')}/`), 'g/'];
    expect(prefixes).toEqual(expectedPrefixes);
    expect(keys).toEqual(TOP_KEYS.filter((key) => !key.includes('/')).sort(compareKeys));
    expect(pages).toBe(Math.ceil((expectedPrefixes.length + keys.length) / 7));
  });

  it('lists under a prefix with a delimiter, and from start-after', async () => {
    const under = await client.send(new ListObjectsV2Command({ Bucket: 'many', Prefix: 'dir1', Delimiter: '/' }));
    expect(under.CommonPrefixes?.map((entry) => entry.Prefix)).toEqual(Array.from({ length: 10 }, (_, i) => `dir1${i}/`));
    expect(under.Contents).toBeUndefined();
    const inside = await client.send(new ListObjectsV2Command({ Bucket: 'many', Prefix: 'dir07/', MaxKeys: 5, StartAfter: 'dir07/file44.txt' }));
    expect(inside.Contents?.map((entry) => entry.Key)).toEqual(['dir07/file45.txt', 'dir07/file46.txt', 'dir07/file47.txt', 'dir07/file48.txt', 'dir07/file49.txt']);
    expect(inside.IsTruncated).toBe(false);
    expect(inside.StartAfter).toBe('dir07/file44.txt');
    const after = await client.send(new ListObjectsV2Command({ Bucket: 'many', StartAfter: 'z-last' }));
    expect(after.Contents?.map((entry) => entry.Key)).toEqual(['zz']);
    const none = await client.send(new ListObjectsV2Command({ Bucket: 'many', Prefix: 'nothing-here/' }));
    expect([none.KeyCount, none.Contents, none.IsTruncated]).toEqual([0, undefined, false]);
  });

  it('gives sizes, ETags and dates; the owner only with fetch-owner', async () => {
    const plain = await client.send(new ListObjectsV2Command({ Bucket: 'many', Prefix: 'a-first' }));
    expect(plain.Contents).toEqual([
      expect.objectContaining({ Key: 'a-first', Size: 'a-first'.length, StorageClass: 'STANDARD', ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) }),
    ]);
    expect(plain.Contents![0]!.Owner).toBeUndefined();
    expect(Math.abs(plain.Contents![0]!.LastModified!.getTime() - Date.now())).toBeLessThan(120_000);
    const owned = await client.send(new ListObjectsV2Command({ Bucket: 'many', Prefix: 'a-first', FetchOwner: true }));
    expect(owned.Contents![0]!.Owner).toEqual({ ID: 'cdnsim', DisplayName: 'cdnsim' });
  });

  it('refuses a bad max-keys or continuation token; max-keys above 1,000 is 1,000', async () => {
    for (const query of ['max-keys=-1', 'max-keys=ten', 'continuation-token=garbage', 'encoding-type=base64']) {
      const answer = await signedCall(s3.url, 'GET', `/many?list-type=2&${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.text, query).toContain('<Code>InvalidArgument</Code>');
    }
    const capped = await client.send(new ListObjectsV2Command({ Bucket: 'many', MaxKeys: 5000 }));
    expect([capped.MaxKeys, capped.KeyCount, capped.IsTruncated]).toEqual([1000, 1000, true]);
    const zero = await client.send(new ListObjectsV2Command({ Bucket: 'many', MaxKeys: 0 }));
    expect(zero.KeyCount).toBe(0);
  });
});

describe('listing names that need care', () => {
  const ODD_KEYS = ['plus+sign', 'with space', 'amp&lt', 'tab\there', 'émoji 😀', 'bmp-\uffee', 'ctrl\u0001char'];

  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'odd' }));
    await putAll('odd', ODD_KEYS);
  });

  it('orders keys by their UTF-8 bytes, as S3 does (a code point above U+FFFF after U+FFEE)', async () => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'odd', Prefix: 'bmp-' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['bmp-\uffee']);
    expect(compareKeys('a\u{1f600}', 'a\uffee')).toBeGreaterThan(0);
    expect(['a\u{1f600}', 'a\uffee'].sort()).toEqual(['a\u{1f600}', 'a\uffee']);
    const all = await client.send(new ListObjectsV2Command({ Bucket: 'odd', EncodingType: 'url' }));
    const keys = all.Contents!.map((entry) => decodeURIComponent(entry.Key!));
    expect(keys).toEqual([...ODD_KEYS].sort(compareKeys));
    expect(Buffer.compare(Buffer.from(keys[0]!), Buffer.from(keys[1]!))).toBeLessThan(0);
  });

  it('percent-encodes names with encoding-type=url (a + stays distinct from a space)', async () => {
    const answer = await signedCall(s3.url, 'GET', '/odd?list-type=2&encoding-type=url&prefix=p');
    expect(answer.text).toContain('<Key>plus%2Bsign</Key>');
    expect(answer.text).toContain('<EncodingType>url</EncodingType>');
    const control = await signedCall(s3.url, 'GET', '/odd?list-type=2&encoding-type=url&prefix=ctrl');
    expect(control.text).toContain('<Key>ctrl%01char</Key>');
    const escaped = await client.send(new ListObjectsV2Command({ Bucket: 'odd', Prefix: 'amp' }));
    expect(escaped.Contents?.map((entry) => entry.Key)).toEqual(['amp&lt']);
  });
});

describe('ListObjects (version 1)', () => {
  it('pages with marker and NextMarker', async () => {
    const first = await signedCall(s3.url, 'GET', '/many?delimiter=/&max-keys=4');
    expect(first.text).toContain('<IsTruncated>true</IsTruncated>');
    expect(first.text).toContain('<NextMarker>dir00/</NextMarker>');
    const second = await signedCall(s3.url, 'GET', '/many?delimiter=/&max-keys=3&marker=dir00/');
    expect([...second.text.matchAll(/<Prefix>([^<]+)<\/Prefix>/g)].map((match) => match[1])).toEqual(['dir01/', 'dir02/', 'dir03/']);
    const keys = await signedCall(s3.url, 'GET', '/many?prefix=dir03/&marker=dir03/file47.txt');
    expect([...keys.text.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1])).toEqual(['dir03/file48.txt', 'dir03/file49.txt']);
    expect(keys.text).toContain('<Owner><ID>cdnsim</ID>');
  });
});
