import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Request } from '../src/origin/s3/contract.ts';
import { multipartOperation, UploadStore, type MultipartObjects } from '../src/origin/s3/multipart/index.ts';
import { DEV_CREDENTIAL } from '../src/origin/s3/settings.ts';
import { s3ClientFor, startS3Origin, type S3Origin } from './helpers/s3-origin.ts';
import { MIN_PART_BYTES } from '../src/origin/s3/multipart/limits.ts';

const MiB = 1024 ** 2;
const BUCKET = 'uploads';

/** The real origin (S3 API, SigV4, bucket store, multipart hook) on port 0 with one bucket. */
async function startHarness(options: { maxObjectBytes?: number } = {}): Promise<S3Origin> {
  return startS3Origin({ maxObjectBytes: options.maxObjectBytes ?? 5 * 1024 ** 3, s3: { buckets: [{ name: BUCKET }] } });
}

/** Where the origin keeps uploads in progress (server.ts). */
function uploadsRoot(dataDir: string): string {
  return path.join(dataDir, 's3-multipart');
}

/** The S3 error code a client call fails with. */
async function errorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error('the call succeeded');
}

function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

function expectedCompositeEtag(parts: Buffer[]): string {
  const digests = Buffer.concat(parts.map((part) => createHash('md5').update(part).digest()));
  return `"${md5Hex(digests)}-${parts.length}"`;
}

async function readAll(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body ?? []) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function uploadDirs(dataDir: string): Promise<string[]> {
  return readdir(uploadsRoot(dataDir));
}

async function objectExists(client: S3Client, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'NotFound') return false;
    throw error;
  }
}

describe('S3 multipart uploads (real @aws-sdk/client-s3 and lib-storage)', () => {
  let harness: S3Origin;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  async function startUpload(key: string): Promise<string> {
    const { UploadId } = await harness.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ContentType: 'text/plain' }));
    expect(UploadId).toMatch(/^[0-9a-f]{48}$/);
    return UploadId!;
  }

  async function putPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    const { ETag } = await harness.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }));
    expect(ETag).toBe(`"${md5Hex(body)}"`);
    return ETag!;
  }

  it('lib-storage uploads 64 MiB in 8 MiB parts: the ETag ends in -8 and the object reads back byte-identical', { timeout: 60_000 }, async () => {
    const body = randomBytes(64 * MiB);
    const upload = new Upload({
      client: harness.client,
      params: { Bucket: BUCKET, Key: 'big/object.bin', Body: body, ContentType: 'application/x-test' },
      partSize: 8 * MiB,
      queueSize: 4,
    });
    const result = await upload.done();
    const parts = Array.from({ length: 8 }, (_, index) => body.subarray(index * 8 * MiB, (index + 1) * 8 * MiB));
    expect(result.ETag).toMatch(/-8"$/);
    expect(result.ETag).toBe(expectedCompositeEtag(parts));

    const read = await harness.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/object.bin' }));
    expect(read.ETag).toBe(result.ETag);
    expect(read.ContentType).toBe('application/x-test');
    const back = await readAll(read.Body as AsyncIterable<Uint8Array>);
    expect(back.length).toBe(body.length);
    expect(back.equals(body)).toBe(true);

    const listed = await harness.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'big/' }));
    expect(listed.Uploads ?? []).toEqual([]);
  });

  it('parts carry the CRC32 the client sent; ListParts shows them and Complete answers the composite checksum', async () => {
    const key = 'checksummed.bin';
    const { UploadId } = await harness.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'CRC32' }));
    const first = randomBytes(MIN_PART_BYTES);
    const second = randomBytes(1000);
    const one = await harness.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: first, ChecksumAlgorithm: 'CRC32' }));
    const two = await harness.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: second, ChecksumAlgorithm: 'CRC32' }));
    expect(one.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const listed = await harness.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId }));
    expect(listed.Parts?.map((part) => part.ChecksumCRC32)).toEqual([one.ChecksumCRC32, two.ChecksumCRC32]);
    expect(listed.ChecksumAlgorithm).toBe('CRC32');
    const done = await harness.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: one.ETag, ChecksumCRC32: one.ChecksumCRC32 },
            { PartNumber: 2, ETag: two.ETag, ChecksumCRC32: two.ChecksumCRC32 },
          ],
        },
      }),
    );
    expect(done.ETag).toBe(expectedCompositeEtag([first, second]));
    expect(done.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==-2$/);
  });

  it('a part streamed by the SDK (aws-chunked, checksum in a trailer) is stored decoded, with its checksum', async () => {
    const key = 'streamed-part.bin';
    const uploadId = await startUpload(key);
    const bytes = randomBytes(3 * MiB + 17);
    const seen: Record<string, string | undefined> = {};
    const command = new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 1, Body: Readable.from([bytes.subarray(0, MiB), bytes.subarray(MiB)]), ContentLength: bytes.length });
    command.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers: Record<string, string> }).headers;
        seen['content-encoding'] = headers['content-encoding'];
        seen['x-amz-trailer'] = headers['x-amz-trailer'];
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    const answer = await harness.client.send(command);
    expect(seen['content-encoding']).toContain('aws-chunked');
    expect(seen['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect(answer.ETag).toBe(`"${md5Hex(bytes)}"`);
    const listed = await harness.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect(listed.Parts?.[0]).toMatchObject({ PartNumber: 1, Size: bytes.length, ChecksumCRC32: answer.ChecksumCRC32 });
    await harness.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
  });

  it('Complete naming parts out of order answers InvalidPartOrder and writes nothing; the upload stays whole', async () => {
    const key = 'out-of-order.bin';
    const uploadId = await startUpload(key);
    const parts = [randomBytes(MIN_PART_BYTES), randomBytes(MIN_PART_BYTES), randomBytes(100)];
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) etags.push(await putPart(key, uploadId, index + 1, part));
    const complete = (order: number[]) =>
      harness.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: order.map((number) => ({ PartNumber: number, ETag: etags[number - 1] })) },
        }),
      );
    expect(await errorCode(complete([2, 1, 3]))).toBe('InvalidPartOrder');
    expect(await errorCode(complete([1, 1, 3]))).toBe('InvalidPartOrder');
    expect(await objectExists(harness.client, key)).toBe(false);
    const listed = await harness.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect(listed.Parts?.map((part) => part.PartNumber)).toEqual([1, 2, 3]);
    // The same upload still completes once asked properly.
    const done = await complete([1, 2, 3]);
    expect(done.ETag).toBe(expectedCompositeEtag(parts));
  });

  it('Complete naming a missing part or a wrong ETag answers InvalidPart and writes nothing', async () => {
    const key = 'missing-part.bin';
    const uploadId = await startUpload(key);
    const first = randomBytes(MIN_PART_BYTES);
    const etag = await putPart(key, uploadId, 1, first);
    const complete = (parts: { PartNumber: number; ETag: string }[]) =>
      harness.client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    expect(await errorCode(complete([{ PartNumber: 1, ETag: etag }, { PartNumber: 2, ETag: etag }]))).toBe('InvalidPart');
    expect(await errorCode(complete([{ PartNumber: 1, ETag: `"${'0'.repeat(32)}"` }]))).toBe('InvalidPart');
    expect(await objectExists(harness.client, key)).toBe(false);
    // An unquoted ETag names the part as well as a quoted one.
    const done = await complete([{ PartNumber: 1, ETag: etag.replace(/"/g, '') }]);
    expect(done.ETag).toBe(expectedCompositeEtag([first]));
  });

  it('a Complete body as Go clients write it (quotes as &#34;, indented) names its parts', async () => {
    const key = 'go-client.bin';
    const uploadId = await startUpload(key);
    const etag = await putPart(key, uploadId, 1, Buffer.from('written by rclone, say'));
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Part>
    <ETag>${etag.replace(/"/g, '&#34;')}</ETag>
    <PartNumber> 1 </PartNumber>
  </Part>
</CompleteMultipartUpload>`;
    const answer = await rawRequest(harness.url, 'POST', `/${BUCKET}/${key}?uploadId=${uploadId}`, {}, Buffer.from(xml));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(`<ETag>&quot;${md5Hex(Buffer.from(createHash('md5').update('written by rclone, say').digest()))}-1&quot;</ETag>`);
  });

  it('a part under 5 MiB that is not the last answers EntityTooSmall', async () => {
    const key = 'too-small.bin';
    const uploadId = await startUpload(key);
    const small = await putPart(key, uploadId, 1, randomBytes(MIN_PART_BYTES - 1));
    const last = await putPart(key, uploadId, 2, randomBytes(10));
    const code = await errorCode(
      harness.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: small }, { PartNumber: 2, ETag: last }] },
        }),
      ),
    );
    expect(code).toBe('EntityTooSmall');
    expect(await objectExists(harness.client, key)).toBe(false);
  });

  it('Abort removes the upload and its parts from disk; the id then answers NoSuchUpload', async () => {
    const key = 'aborted.bin';
    const uploadId = await startUpload(key);
    await putPart(key, uploadId, 1, randomBytes(1000));
    await putPart(key, uploadId, 2, randomBytes(1000));
    expect(await uploadDirs(harness.dataDir)).toContain(uploadId);
    await harness.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect((await uploadDirs(harness.dataDir)).filter((name) => name.startsWith(uploadId))).toEqual([]);
    expect(await errorCode(harness.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId })))).toBe('NoSuchUpload');
    expect(await errorCode(harness.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId })))).toBe('NoSuchUpload');
    expect(
      await errorCode(harness.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 3, Body: Buffer.from('late') }))),
    ).toBe('NoSuchUpload');
    expect(
      await errorCode(
        harness.client.send(
          new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } }),
        ),
      ),
    ).toBe('NoSuchUpload');
  });

  it('an upload id names its own bucket and key only', async () => {
    const uploadId = await startUpload('owned.bin');
    expect(await errorCode(harness.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'other.bin', UploadId: uploadId })))).toBe('NoSuchUpload');
    expect(await errorCode(harness.client.send(new ListPartsCommand({ Bucket: 'nobucket', Key: 'owned.bin', UploadId: uploadId })))).toBe('NoSuchBucket');
    expect(await errorCode(harness.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'owned.bin', UploadId: '../../objects' })))).toBe('NoSuchUpload');
    await harness.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'owned.bin', UploadId: uploadId }));
  });

  it('ListParts pages with part-number-marker and max-parts; a part uploaded again replaces the old one', async () => {
    const key = 'listed-parts.bin';
    const uploadId = await startUpload(key);
    for (let number = 1; number <= 5; number++) await putPart(key, uploadId, number, Buffer.from(`part ${number}`));
    const replaced = await putPart(key, uploadId, 3, Buffer.from('part three, again'));
    const seen: { number: number; etag: string; size: number }[] = [];
    let marker: string | undefined;
    const pages: number[][] = [];
    for (;;) {
      const page = await harness.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MaxParts: 2, PartNumberMarker: marker }));
      pages.push((page.Parts ?? []).map((part) => part.PartNumber!));
      for (const part of page.Parts ?? []) seen.push({ number: part.PartNumber!, etag: part.ETag!, size: part.Size! });
      if (!page.IsTruncated) break;
      marker = String(page.NextPartNumberMarker);
    }
    expect(pages).toEqual([[1, 2], [3, 4], [5]]);
    expect(seen[2]).toEqual({ number: 3, etag: replaced, size: 'part three, again'.length });
    await harness.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
  });

  it('ListMultipartUploads: prefix, delimiter, max-uploads with key-marker and upload-id-marker', async () => {
    const keys = ['list/a', 'list/b', 'list/b', 'list/dir/x', 'list/dir/y', 'list/e'];
    const ids: string[] = [];
    for (const key of keys) ids.push(await startUpload(key));

    const all = await harness.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/' }));
    expect(all.Uploads?.map((upload) => [upload.Key, upload.UploadId])).toEqual(keys.map((key, index) => [key, ids[index]]));
    expect(all.IsTruncated).toBe(false);

    const grouped = await harness.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/', Delimiter: '/' }));
    expect(grouped.Uploads?.map((upload) => upload.Key)).toEqual(['list/a', 'list/b', 'list/b', 'list/e']);
    expect(grouped.CommonPrefixes?.map((common) => common.Prefix)).toEqual(['list/dir/']);

    // Pages of two: the two uploads of list/b are split across pages by upload-id-marker.
    const pages: string[][] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page: ListMultipartUploadsCommandOutput = await harness.client.send(
        new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/', MaxUploads: 2, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      pages.push((page.Uploads ?? []).map((upload) => upload.UploadId!));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4, 6)]);

    const groupedPages: (string | undefined)[][] = [];
    keyMarker = undefined;
    uploadIdMarker = undefined;
    for (;;) {
      const page: ListMultipartUploadsCommandOutput = await harness.client.send(
        new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/', Delimiter: '/', MaxUploads: 3, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      groupedPages.push([...(page.Uploads ?? []).map((upload) => upload.Key), ...(page.CommonPrefixes ?? []).map((common) => common.Prefix)]);
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    expect(groupedPages).toEqual([['list/a', 'list/b', 'list/b'], ['list/e', 'list/dir/']]);

    for (const [index, key] of keys.entries()) await harness.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: ids[index] }));
  });

  it('UploadPartCopy builds an object from ranges of another object', async () => {
    const source = randomBytes(MIN_PART_BYTES + 12_345);
    await harness.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy/source.bin', Body: source }));
    const key = 'copy/target.bin';
    const uploadId = await startUpload(key);
    const first = await harness.client.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 1, CopySource: `${BUCKET}/copy/source.bin`, CopySourceRange: `bytes=0-${MIN_PART_BYTES - 1}` }),
    );
    const second = await harness.client.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 2, CopySource: `/${BUCKET}/copy%2Fsource.bin`, CopySourceRange: `bytes=${MIN_PART_BYTES}-${source.length - 1}` }),
    );
    expect(first.CopyPartResult?.ETag).toBe(`"${md5Hex(source.subarray(0, MIN_PART_BYTES))}"`);
    const beyond = harness.client.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 3, CopySource: `${BUCKET}/copy/source.bin`, CopySourceRange: `bytes=0-${source.length}` }),
    );
    expect(await errorCode(beyond)).toBe('InvalidRange');
    const missing = harness.client.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 3, CopySource: `${BUCKET}/copy/none.bin` }));
    expect(await errorCode(missing)).toBe('NoSuchKey');
    const stale = harness.client.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 3, CopySource: `${BUCKET}/copy/source.bin`, CopySourceIfMatch: '"not-the-etag"' }),
    );
    expect(await errorCode(stale)).toBe('PreconditionFailed');
    await harness.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.CopyPartResult?.ETag }, { PartNumber: 2, ETag: second.CopyPartResult?.ETag }] },
      }),
    );
    const read = await harness.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect((await readAll(read.Body as AsyncIterable<Uint8Array>)).equals(source)).toBe(true);
  });

  it('racing Completes and an Abort of one upload: exactly one of them wins, the rest answer NoSuchUpload', async () => {
    const key = 'raced.bin';
    const uploadId = await startUpload(key);
    const parts = [randomBytes(MIN_PART_BYTES), randomBytes(MIN_PART_BYTES)];
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) etags.push(await putPart(key, uploadId, index + 1, part));
    const complete = () =>
      harness.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: etags.map((ETag, index) => ({ PartNumber: index + 1, ETag })) },
        }),
      );
    const results = await Promise.allSettled([complete(), complete(), complete(), harness.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }))]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((result) => (result.reason as Error).name)).toEqual(['NoSuchUpload', 'NoSuchUpload', 'NoSuchUpload']);
    const completed = results.slice(0, 3).some((result) => result.status === 'fulfilled');
    expect(await objectExists(harness.client, key)).toBe(completed);
    if (completed) {
      const read = await harness.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect((await readAll(read.Body as AsyncIterable<Uint8Array>)).equals(Buffer.concat(parts))).toBe(true);
    }
    expect((await uploadDirs(harness.dataDir)).filter((name) => name.startsWith(uploadId))).toEqual([]);
  });

  it('parts of one number uploaded at once: one of the bodies is the part, whole', async () => {
    const key = 'same-part.bin';
    const uploadId = await startUpload(key);
    const bodies = Array.from({ length: 8 }, () => randomBytes(256 * 1024));
    await Promise.all(bodies.map((body) => harness.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 1, Body: body }))));
    const listed = await harness.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect(listed.Parts).toHaveLength(1);
    const winner = bodies.find((body) => `"${md5Hex(body)}"` === listed.Parts![0]!.ETag);
    expect(winner).toBeDefined();
    await harness.client.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: listed.Parts![0]!.ETag }] } }),
    );
    const read = await harness.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect((await readAll(read.Body as AsyncIterable<Uint8Array>)).equals(winner!)).toBe(true);
    expect((await readdir(path.join(uploadsRoot(harness.dataDir)))).filter((name) => name.startsWith(uploadId))).toEqual([]);
  });

  it('Complete with If-None-Match: * over an existing key answers PreconditionFailed, writes nothing and keeps the upload', async () => {
    const key = 'conditional.bin';
    await harness.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'the first version' }));
    const uploadId = await startUpload(key);
    const etag = await putPart(key, uploadId, 1, Buffer.from('the multipart version'));
    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
    const refused = await rawRequest(harness.url, 'POST', `/${BUCKET}/${key}?uploadId=${uploadId}`, { 'if-none-match': '*' }, Buffer.from(xml));
    expect([refused.status, codeOf(refused.body)]).toEqual([412, 'PreconditionFailed']);
    const read = await harness.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect((await readAll(read.Body as AsyncIterable<Uint8Array>)).toString()).toBe('the first version');
    const accepted = await rawRequest(harness.url, 'POST', `/${BUCKET}/${key}?uploadId=${uploadId}`, { 'if-match': read.ETag! }, Buffer.from(xml));
    expect(accepted.status).toBe(200);
    const after = await harness.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect((await readAll(after.Body as AsyncIterable<Uint8Array>)).toString()).toBe('the multipart version');
  });

  it('bad input: part numbers outside 1-10,000, malformed or empty Complete bodies, a wrong Content-MD5, an unknown bucket', async () => {
    const key = 'bad-input.bin';
    const uploadId = await startUpload(key);
    const query = `uploadId=${uploadId}`;
    for (const number of ['0', '10001', '-1', 'x']) {
      const answer = await rawRequest(harness.url, 'PUT', `/${BUCKET}/${key}?${query}&partNumber=${number}`, {}, Buffer.from('x'));
      expect([answer.status, codeOf(answer.body)]).toEqual([400, 'InvalidArgument']);
    }
    for (const body of ['', '<CompleteMultipartUpload><Part>', '<Other/>', '<CompleteMultipartUpload></CompleteMultipartUpload>', '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>']) {
      const answer = await rawRequest(harness.url, 'POST', `/${BUCKET}/${key}?${query}`, {}, Buffer.from(body));
      expect([answer.status, codeOf(answer.body)]).toEqual([400, 'MalformedXML']);
    }
    // A part whose Content-MD5 does not match its bytes is not stored.
    const badDigest = await rawRequest(harness.url, 'PUT', `/${BUCKET}/${key}?${query}&partNumber=1`, { 'content-md5': createHash('md5').update('other').digest('base64') }, Buffer.from('bytes'));
    expect([badDigest.status, codeOf(badDigest.body)]).toEqual([400, 'BadDigest']);
    expect((await readdir(path.join(uploadsRoot(harness.dataDir), uploadId))).sort()).toEqual(['upload.json']);
    const unknown = await rawRequest(harness.url, 'POST', `/nobucket/${key}?uploads`, {}, Buffer.alloc(0));
    expect([unknown.status, codeOf(unknown.body)]).toEqual([404, 'NoSuchBucket']);
    expect(await objectExists(harness.client, key)).toBe(false);
  });
});

describe('S3 multipart limits against a small max object size', () => {
  let harness: S3Origin;
  beforeAll(async () => {
    harness = await startHarness({ maxObjectBytes: 8 * MiB });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('a part declared over the limit is refused before it is read; a part over it in fact is dropped; a Complete over it answers EntityTooLarge', async () => {
    const key = 'large.bin';
    const { UploadId } = await harness.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const declared = await rawRequest(harness.url, 'PUT', `/${BUCKET}/${key}?uploadId=${UploadId}&partNumber=1`, { 'content-length': String(9 * MiB) }, Buffer.alloc(0), true);
    expect([declared.status, codeOf(declared.body)]).toEqual([400, 'EntityTooLarge']);
    // Chunked, so the length is learnt only while reading.
    const streamed = await rawRequest(harness.url, 'PUT', `/${BUCKET}/${key}?uploadId=${UploadId}&partNumber=1`, { 'transfer-encoding': 'chunked' }, randomBytes(8 * MiB + 1));
    expect([streamed.status, codeOf(streamed.body)]).toEqual([400, 'EntityTooLarge']);
    const dir = path.join(uploadsRoot(harness.dataDir), UploadId!);
    expect((await readdir(dir)).sort()).toEqual(['upload.json']);

    const parts = [randomBytes(5 * MiB), randomBytes(4 * MiB)];
    const etags: (string | undefined)[] = [];
    for (const [index, part] of parts.entries()) {
      etags.push((await harness.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: index + 1, Body: part }))).ETag);
    }
    const code = await errorCode(
      harness.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, index) => ({ PartNumber: index + 1, ETag })) },
        }),
      ),
    );
    expect(code).toBe('EntityTooLarge');
    expect(await objectExists(harness.client, key)).toBe(false);
  });
});

/**
 * A real origin in a child process is sent a CompleteMultipartUpload for a copy of one prepared
 * upload and is killed (SIGKILL) at a different moment each time; an origin started again on that
 * data directory must find either no object and the upload whole (a retried Complete then works),
 * or the whole object: never a torn one.
 */
describe('S3 multipart: an origin killed during CompleteMultipartUpload', () => {
  const PART_BYTES = 6 * MiB;
  const KEY = 'crash/object.bin';
  let base: string;
  let uploadId: string;
  let body: Buffer;
  let parts: { PartNumber: number; ETag: string }[];
  let childScript: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cdnsim-s3-crash-'));
    const prepared = await startS3Origin({ dataDir: path.join(base, 'prepared'), s3: { buckets: [{ name: BUCKET }] } });
    try {
      const created = await prepared.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: KEY, ContentType: 'application/x-crash' }));
      uploadId = created.UploadId!;
      body = randomBytes(3 * PART_BYTES + 1234);
      parts = [];
      for (let index = 0; index * PART_BYTES < body.length; index++) {
        const part = body.subarray(index * PART_BYTES, (index + 1) * PART_BYTES);
        const { ETag } = await prepared.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: KEY, UploadId: uploadId, PartNumber: index + 1, Body: part }));
        parts.push({ PartNumber: index + 1, ETag: ETag! });
      }
    } finally {
      await prepared.close();
    }
    // .mts: outside the repository no package.json makes a .ts file an ES module (top-level await).
    childScript = path.join(base, 'origin-child.mts');
    const server = JSON.stringify(new URL('../src/origin/server.ts', import.meta.url).href);
    await writeFile(
      childScript,
      `import { startOrigin } from ${server};
const origin = await startOrigin({ port: 0, host: '127.0.0.1', dataDir: process.argv[2], maxObjectBytes: 2 ** 30, adminToken: undefined, s3: { buckets: [{ name: ${JSON.stringify(BUCKET)} }] } });
process.stdout.write('listening ' + origin.url + '\\n');
`,
    );
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /** An origin in a child process on `dataDir`, until killed. */
  async function startChild(dataDir: string): Promise<{ url: string; kill(): Promise<void> }> {
    const repoRoot = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, dataDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = await new Promise<string>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error('the child origin did not start in 20 s')), 20_000);
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\S+)/.exec(output);
        if (match) {
          clearTimeout(guard);
          resolve(match[1]!);
        }
      });
      child.once('error', reject);
      child.once('exit', () => reject(new Error(`the child origin exited: ${output}`)));
    });
    return {
      url,
      kill: async () => {
        child.kill('SIGKILL');
        await exited;
      },
    };
  }

  /** Sends the Complete to a child origin on `dataDir` and kills it `killAfterMs` after (or once answered). */
  async function completeAndKill(dataDir: string, killAfterMs: number | undefined): Promise<{ answered: boolean; tookMs: number }> {
    const child = await startChild(dataDir);
    const client = s3ClientFor(child.url);
    const started = performance.now();
    const completing = client
      .send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: KEY, UploadId: uploadId, MultipartUpload: { Parts: parts } }))
      .then(
        () => true,
        () => false,
      );
    if (killAfterMs !== undefined) await new Promise((resolve) => setTimeout(resolve, killAfterMs));
    else await completing;
    const tookMs = performance.now() - started;
    await child.kill();
    const answered = await completing;
    client.destroy();
    return { answered, tookMs };
  }

  it('leaves the old state or the completed object, never a torn one', { timeout: 150_000 }, async () => {
    // One run to learn how long a Complete takes here, then kills spread over that time and past it.
    const timing = path.join(base, 'timing');
    await cp(path.join(base, 'prepared'), timing, { recursive: true });
    const { answered, tookMs } = await completeAndKill(timing, undefined);
    expect(answered).toBe(true);
    await rm(timing, { recursive: true, force: true });

    const outcomes: string[] = [];
    const delays = [0, 0.3, 0.6, 0.75, 0.9, 1.3].map((fraction) => Math.round(fraction * tookMs));
    for (const [run, killAfterMs] of delays.entries()) {
      const dataDir = path.join(base, `run-${run}`);
      await cp(path.join(base, 'prepared'), dataDir, { recursive: true });
      const { answered: acknowledged } = await completeAndKill(dataDir, killAfterMs);

      // What a restarted origin finds.
      const restarted = await startS3Origin({ dataDir, s3: { buckets: [{ name: BUCKET }] } });
      try {
        const found = await restarted.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })).catch((error: Error) => error);
        const uploads = await restarted.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
        const pending = (uploads.Uploads ?? []).some((upload) => upload.UploadId === uploadId);
        if (found instanceof Error) {
          expect(found.name).toBe('NoSuchKey');
          // A client told "done" must find its object.
          expect(acknowledged).toBe(false);
          expect(pending).toBe(true);
          const listed = await restarted.client.send(new ListPartsCommand({ Bucket: BUCKET, Key: KEY, UploadId: uploadId }));
          expect(listed.Parts?.map((part) => ({ PartNumber: part.PartNumber, ETag: part.ETag }))).toEqual(parts);
          outcomes.push(`killed after ${killAfterMs} ms: absent, upload whole`);
        } else {
          const bytes = await readAll(found.Body as AsyncIterable<Uint8Array>);
          expect(bytes.equals(body)).toBe(true);
          expect(found.ETag).toMatch(/-4"$/);
          outcomes.push(`killed after ${killAfterMs} ms${acknowledged ? ' (answered)' : ''}: complete${pending ? ', upload not yet retired' : ''}`);
        }
        const leftovers = (await readdir(path.join(dataDir, 'tmp'))).concat(
          pending ? (await readdir(path.join(uploadsRoot(dataDir), uploadId))).filter((name) => name.endsWith('.tmp')) : [],
        );
        expect(leftovers).toEqual([]);
      } finally {
        await restarted.close();
      }
      await rm(dataDir, { recursive: true, force: true });
    }
    console.log(`Complete took ${Math.round(tookMs)} ms; ${outcomes.join('; ')}`);
    // Killed at once, the child cannot have written the object; later kills land where they land
    // (on a loaded machine a Complete may outlast even the last one), so only the invariant is required of them.
    expect(outcomes[0]).toContain('absent');
  });

  it('a Complete retried after a crash before the object was written completes it', { timeout: 60_000 }, async () => {
    const dataDir = path.join(base, 'retry');
    await cp(path.join(base, 'prepared'), dataDir, { recursive: true });
    expect((await completeAndKill(dataDir, 0)).answered).toBe(false);
    expect((await completeAndKill(dataDir, undefined)).answered).toBe(true);
    const restarted = await startS3Origin({ dataDir, s3: { buckets: [{ name: BUCKET }] } });
    try {
      const read = await restarted.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
      expect((await readAll(read.Body as AsyncIterable<Uint8Array>)).equals(body)).toBe(true);
      expect(read.ContentType).toBe('application/x-crash');
      expect(await uploadDirs(dataDir)).toEqual([]);
    } finally {
      await restarted.close();
    }
  });
});

describe('S3 multipart: a part uploaded again while its Complete runs', () => {
  it('fails the Complete with InvalidPart before the object is committed', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'cdnsim-s3-replaced-'));
    try {
      const uploads = await UploadStore.open(path.join(dataDir, 'uploads'));
      const upload = await uploads.create({ bucket: BUCKET, key: 'replaced.bin', headers: { contentType: 'binary/octet-stream' }, initiator: 'test-key' });
      const first = await uploads.writePart(upload, 1, Readable.from([randomBytes(MIN_PART_BYTES)]), MIN_PART_BYTES, Promise.resolve({}));
      const second = await uploads.writePart(upload, 2, Readable.from([Buffer.from('old last part')]), MIN_PART_BYTES, Promise.resolve({}));
      let committed = false;
      const objects: MultipartObjects = {
        hasBucket: () => true,
        storedHeadersOf: () => ({ contentType: 'binary/octet-stream' }),
        // The write has begun when part 2 is uploaded again: it reads the parts only after that.
        putCompleted: async (_bucket, _key, _headers, body) => {
          await uploads.writePart(upload, 2, Readable.from([Buffer.from('new last part')]), MIN_PART_BYTES, Promise.resolve({}));
          for await (const chunk of body) void chunk;
          committed = true;
        },
        get: async () => undefined,
      };
      const xml = `<CompleteMultipartUpload>${[first, second].map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${part.etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
      const request = {
        // The Complete handler never touches the raw message: its body comes from openPayload.
        raw: undefined as unknown as S3Request['raw'],
        method: 'POST',
        bucket: BUCKET,
        key: 'replaced.bin',
        query: new URLSearchParams({ uploadId: upload.uploadId }),
        headers: { host: 'localhost' },
        addressing: 'path' as const,
        requestId: 'replaced',
      };
      const completing = multipartOperation(request, {
        objects,
        uploads,
        maxObjectBytes: 2 ** 40,
        principal: { accessKeyId: 'test-key', payload: { kind: 'unsigned' } },
        openPayload: () => ({ body: Readable.from([Buffer.from(xml)]), checksums: Promise.resolve({}) }),
      });
      await expect(completing).rejects.toMatchObject({ code: 'InvalidPart', details: { PartNumber: '2' } });
      expect(committed).toBe(false);
      // The upload is still there, with the new part 2.
      expect((await uploads.parts(upload)).map((part) => part.size)).toEqual([MIN_PART_BYTES, 'new last part'.length]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('S3 multipart: uploads survive a restart', () => {
  it('an upload and its parts are found again by a new UploadStore; a part write cut short leaves nothing', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'cdnsim-s3-restart-'));
    try {
      const root = path.join(dataDir, 'multipart');
      const first = await UploadStore.open(root);
      const upload = await first.create({ bucket: BUCKET, key: 'kept.bin', headers: { contentType: 'text/plain', cacheControl: 'max-age=60' }, initiator: 'test-key' });
      const part = await first.writePart(upload, 7, Readable.from([Buffer.from('seven')]), 100, Promise.resolve({ CRC32: 'AAAAAA==' }));
      // A body that fails half way (a client gone): the part is not stored.
      const failing = new Readable({ read() {} });
      failing.push(Buffer.from('half'));
      setImmediate(() => failing.destroy(new Error('client went away')));
      await expect(first.writePart(upload, 8, failing, 100, Promise.resolve({}))).rejects.toThrow('client went away');
      // Leftovers of a crash: a part in flight and an upload half created.
      await writeFile(path.join(root, upload.uploadId, 'abandoned.tmp'), 'x');
      await cp(path.join(root, upload.uploadId), path.join(root, `${'f'.repeat(48)}.pending`), { recursive: true });

      const second = await UploadStore.open(root);
      const found = second.find(upload.uploadId, BUCKET, 'kept.bin');
      expect(found).toEqual(upload);
      expect(await second.parts(found!)).toEqual([part]);
      expect((await readdir(root)).sort()).toEqual([upload.uploadId]);
      expect((await readdir(path.join(root, upload.uploadId))).sort()).toEqual(['part-00007', 'upload.json']);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

function codeOf(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

const signer = new SignatureV4({ credentials: DEV_CREDENTIAL, region: 'us-east-1', service: 's3', sha256: Sha256 });

/**
 * One raw HTTP request, SigV4-signed with an unsigned payload (the error cases an SDK would
 * refuse to send). `headersOnly` sends no body, as a client that the server refused before it sent one.
 */
async function rawRequest(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body: Buffer,
  headersOnly = false,
): Promise<{ status: number; body: string }> {
  const url = new URL(target, base);
  const unsigned = {
    host: url.host,
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    ...(headers['transfer-encoding'] ? {} : { 'content-length': String(body.length) }),
    ...headers,
  };
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: unsigned,
  });
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers: signed.headers, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    if (headersOnly) request.flushHeaders();
    else request.end(body);
  });
}
