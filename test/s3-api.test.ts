import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, rawCall, signedCall, startS3Origin, type S3Origin } from './helpers/s3-origin.ts';

let s3: S3Origin;
let client: S3Client;

/** The S3 error an SDK call failed with (its code and HTTP status), or a test failure if it succeeded. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    return { name: error.name, status: error.$metadata.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

const md5 = (body: string | Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

beforeAll(async () => {
  s3 = await startS3Origin({ s3: { buckets: [{ name: 'public-site', publicRead: true }] } });
  client = s3.client;
  await client.send(new CreateBucketCommand({ Bucket: 'api' }));
});
afterAll(async () => {
  await s3?.close();
});

describe('S3 buckets', () => {
  it('creates, heads, lists and locates buckets; a second create is BucketAlreadyOwnedByYou', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'made-here' }));
    expect((await client.send(new HeadBucketCommand({ Bucket: 'made-here' }))).$metadata.httpStatusCode).toBe(200);
    const names = (await client.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name);
    expect(names).toEqual(expect.arrayContaining(['api', 'made-here', 'public-site']));
    expect(names).toEqual([...names!].sort());
    expect((await client.send(new GetBucketLocationCommand({ Bucket: 'made-here' }))).LocationConstraint).toBeUndefined();
    expect(await failure(client.send(new CreateBucketCommand({ Bucket: 'made-here' })))).toEqual({ name: 'BucketAlreadyOwnedByYou', status: 409 });
  });

  it('refuses bucket names S3 refuses, and the names of cdnsim endpoints', async () => {
    for (const name of ['ab', 'Upper-Case', 'under_score', 'a..b', '192.168.1.1', '-dash', 'xn--punycode', 'metrics', 'gen']) {
      const answer = await signedCall(s3.url, 'PUT', `/${name}`);
      expect(answer.status, name).toBe(400);
      expect(answer.text, name).toContain('<Code>InvalidBucketName</Code>');
    }
    expect((await client.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name)).not.toContain('metrics');
  });

  it('deletes a bucket only when empty (BucketNotEmpty, 409), then it is gone', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'short-lived' }));
    await client.send(new PutObjectCommand({ Bucket: 'short-lived', Key: 'k', Body: 'x' }));
    expect(await failure(client.send(new DeleteBucketCommand({ Bucket: 'short-lived' })))).toEqual({ name: 'BucketNotEmpty', status: 409 });
    await client.send(new DeleteObjectCommand({ Bucket: 'short-lived', Key: 'k' }));
    expect((await client.send(new DeleteBucketCommand({ Bucket: 'short-lived' }))).$metadata.httpStatusCode).toBe(204);
    expect(await failure(client.send(new HeadBucketCommand({ Bucket: 'short-lived' })))).toMatchObject({ status: 404 });
    expect(await failure(client.send(new PutObjectCommand({ Bucket: 'short-lived', Key: 'k', Body: 'x' })))).toEqual({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('S3 objects', () => {
  it('stores and returns the headers S3 stores, user metadata and Surrogate-Key; ETag is the MD5', async () => {
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        if ((args.input as { Key?: string }).Key === 'headers.html') request.headers['surrogate-key'] = 'pages home';
        return next(args);
      },
      { step: 'build', name: 'addSurrogateKey' },
    );
    const expires = new Date('2030-01-01T00:00:00Z');
    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'api',
        Key: 'headers.html',
        Body: '<h1>hi</h1>',
        ContentType: 'text/html; charset=utf-8',
        CacheControl: 'public, max-age=60',
        ContentEncoding: 'identity',
        ContentDisposition: 'inline; filename="h.html"',
        Expires: expires,
        Metadata: { author: 'ada', 'build-id': '42' },
      }),
    );
    client.middlewareStack.remove('addSurrogateKey');
    expect(put.ETag).toBe(md5('<h1>hi</h1>'));
    const get = await client.send(new GetObjectCommand({ Bucket: 'api', Key: 'headers.html' }));
    expect(await get.Body!.transformToString()).toBe('<h1>hi</h1>');
    expect(get).toMatchObject({
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'public, max-age=60',
      ContentEncoding: 'identity',
      ContentDisposition: 'inline; filename="h.html"',
      Metadata: { author: 'ada', 'build-id': '42' },
      ETag: md5('<h1>hi</h1>'),
      ContentLength: 11,
    });
    expect(get.Expires?.getTime()).toBe(expires.getTime());
    const head = await rawCall(s3.url, 'HEAD', '/public-site/none');
    expect(head.status).toBe(404);
    const raw = await signedCall(s3.url, 'GET', '/api/headers.html');
    expect(raw.headers['surrogate-key']).toBe('pages home');
    expect(raw.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    const headed = await client.send(new HeadObjectCommand({ Bucket: 'api', Key: 'headers.html' }));
    expect(headed).toMatchObject({ ContentLength: 11, ContentType: 'text/html; charset=utf-8', Metadata: { author: 'ada', 'build-id': '42' } });
  });

  it('takes the SDK default streaming upload (aws-chunked, CRC32 trailer) of a stream body', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(16 * 1024, i));
    const body = Buffer.concat(chunks);
    const put = await client.send(
      new PutObjectCommand({ Bucket: 'api', Key: 'streamed.bin', Body: Readable.from(chunks), ContentLength: body.length }),
    );
    expect(put.ETag).toBe(md5(body));
    const get = await client.send(new GetObjectCommand({ Bucket: 'api', Key: 'streamed.bin', ChecksumMode: 'ENABLED' }));
    expect(get.ChecksumCRC32).toBeDefined();
    expect(Buffer.from(await get.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(get.ContentEncoding).toBeUndefined();
  });

  it('returns the stored checksums only when asked (x-amz-checksum-mode: ENABLED)', async () => {
    const body = 'checksummed body';
    const sha256 = createHash('sha256').update(body).digest('base64');
    const put = await client.send(new PutObjectCommand({ Bucket: 'api', Key: 'sum.txt', Body: body, ChecksumAlgorithm: 'SHA256' }));
    expect(put.ChecksumSHA256).toBe(sha256);
    const get = await client.send(new GetObjectCommand({ Bucket: 'api', Key: 'sum.txt', ChecksumMode: 'ENABLED' }));
    expect(get.ChecksumSHA256).toBe(sha256);
    expect(await get.Body!.transformToString()).toBe(body);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'api', Key: 'sum.txt', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(sha256);
    const plain = await signedCall(s3.url, 'GET', '/api/sum.txt');
    expect(plain.headers['x-amz-checksum-sha256']).toBeUndefined();
    // The SDK's default upload (CRC32) is kept and returned too.
    await client.send(new PutObjectCommand({ Bucket: 'api', Key: 'crc.txt', Body: body }));
    const crc = await client.send(new GetObjectCommand({ Bucket: 'api', Key: 'crc.txt', ChecksumMode: 'ENABLED' }));
    expect(crc.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    await crc.Body!.transformToString();
  });

  it('answers ranges with 206 and an unsatisfiable one with 416 InvalidRange', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'public-site', Key: 'digits', Body: '0123456789' }));
    const part = await client.send(new GetObjectCommand({ Bucket: 'public-site', Key: 'digits', Range: 'bytes=2-5' }));
    expect(part.$metadata.httpStatusCode).toBe(206);
    expect(part.ContentRange).toBe('bytes 2-5/10');
    expect(await part.Body!.transformToString()).toBe('2345');
    const suffix = await rawCall(s3.url, 'GET', '/public-site/digits', { headers: { range: 'bytes=-3' } });
    expect([suffix.status, suffix.text]).toEqual([206, '789']);
    const beyond = await rawCall(s3.url, 'GET', '/public-site/digits', { headers: { range: 'bytes=20-30' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */10');
    expect(beyond.headers['content-type']).toBe('application/xml');
    expect(beyond.text).toContain('<Code>InvalidRange</Code>');
    expect(beyond.text).toContain(`<RequestId>${String(beyond.headers['x-amz-request-id'])}</RequestId>`);
  });

  it('answers conditional reads with 304 and 412', async () => {
    const { ETag: etag } = await client.send(new PutObjectCommand({ Bucket: 'api', Key: 'cond', Body: 'v1' }));
    const get = (input: Partial<ConstructorParameters<typeof GetObjectCommand>[0]>) =>
      client.send(new GetObjectCommand({ Bucket: 'api', Key: 'cond', ...input }));
    expect((await failure(get({ IfNoneMatch: etag }))).status).toBe(304);
    expect((await failure(get({ IfModifiedSince: new Date(Date.now() + 60_000) }))).status).toBe(304);
    expect(await failure(get({ IfMatch: '"other"' }))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await failure(get({ IfUnmodifiedSince: new Date(Date.now() - 3_600_000) }))).toEqual({ name: 'PreconditionFailed', status: 412 });
    // S3's rule: If-Match that holds outweighs If-Unmodified-Since that fails.
    const both = await get({ IfMatch: etag, IfUnmodifiedSince: new Date(Date.now() - 3_600_000) });
    expect(await both.Body!.transformToString()).toBe('v1');
    const raw412 = await signedCall(s3.url, 'GET', '/api/cond', { headers: { 'if-match': '"nope"' } });
    expect(raw412.text).toContain('<Code>PreconditionFailed</Code>');
  });

  it('applies conditional writes: If-None-Match: * and If-Match', async () => {
    const first = await client.send(new PutObjectCommand({ Bucket: 'api', Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    expect(await failure(client.send(new PutObjectCommand({ Bucket: 'api', Key: 'once', Body: 'second', IfNoneMatch: '*' })))).toEqual({
      name: 'PreconditionFailed',
      status: 412,
    });
    expect(await failure(client.send(new PutObjectCommand({ Bucket: 'api', Key: 'once', Body: 'third', IfMatch: '"stale"' })))).toMatchObject({ status: 412 });
    expect(await failure(client.send(new PutObjectCommand({ Bucket: 'api', Key: 'never-was', Body: 'x', IfMatch: first.ETag })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
    await client.send(new PutObjectCommand({ Bucket: 'api', Key: 'once', Body: 'fourth', IfMatch: first.ETag }));
    const get = await client.send(new GetObjectCommand({ Bucket: 'api', Key: 'once' }));
    expect(await get.Body!.transformToString()).toBe('fourth');
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: 'api', Key: 'never-was' })))).toMatchObject({ status: 404 });
  });

  it('deletes one object (204 whether or not it existed)', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'api', Key: 'doomed', Body: 'x' }));
    expect((await client.send(new DeleteObjectCommand({ Bucket: 'api', Key: 'doomed' }))).$metadata.httpStatusCode).toBe(204);
    expect((await client.send(new DeleteObjectCommand({ Bucket: 'api', Key: 'doomed' }))).$metadata.httpStatusCode).toBe(204);
    expect(await failure(client.send(new GetObjectCommand({ Bucket: 'api', Key: 'doomed' })))).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('deletes in batches (DeleteObjects), quietly or not', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'batch' }));
    for (const key of ['a', 'b', 'c', 'd']) await client.send(new PutObjectCommand({ Bucket: 'batch', Key: key, Body: key }));
    const loud = await client.send(new DeleteObjectsCommand({ Bucket: 'batch', Delete: { Objects: [{ Key: 'a' }, { Key: 'b' }, { Key: 'missing' }] } }));
    expect(loud.Deleted?.map((entry) => entry.Key).sort()).toEqual(['a', 'b', 'missing']);
    const quiet = await client.send(
      new DeleteObjectsCommand({ Bucket: 'batch', Delete: { Quiet: true, Objects: [{ Key: 'c' }, { Key: 'bad/../key' }] } }),
    );
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(quiet.Errors).toEqual([expect.objectContaining({ Key: 'bad/../key', Code: 'InvalidArgument' })]);
    const left = await client.send(new ListObjectsV2Command({ Bucket: 'batch' }));
    expect(left.Contents?.map((entry) => entry.Key)).toEqual(['d']);
  });

  it('refuses a malformed DeleteObjects document with MalformedXML and deletes nothing', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'keep-all' }));
    for (const key of ['x', 'y']) await client.send(new PutObjectCommand({ Bucket: 'keep-all', Key: key, Body: key }));
    const bodies = [
      '<Delete><Object><Key>x</Key></Object><Object><Key>y</Key>',
      '<Delete><Object><Key>x</Key></Object></Delete><trailing>',
      '<Delete><Object><Key>x</Key></Object><Object><NoKey/></Object></Delete>',
      '<Delete><Quiet>maybe</Quiet><Object><Key>x</Key></Object></Delete>',
      '<Remove><Object><Key>x</Key></Object></Remove>',
      `<Delete>${'<Object><Key>x</Key></Object>'.repeat(1001)}</Delete>`,
      '',
    ];
    for (const body of bodies) {
      const answer = await signedCall(s3.url, 'POST', '/keep-all?delete', { body, headers: { 'content-type': 'application/xml' } });
      expect(answer.status, body.slice(0, 60)).toBe(400);
      expect(answer.text, body.slice(0, 60)).toContain('<Code>MalformedXML</Code>');
    }
    const left = await client.send(new ListObjectsV2Command({ Bucket: 'keep-all' }));
    expect(left.Contents?.map((entry) => entry.Key)).toEqual(['x', 'y']);
  });

  it('copies objects with the metadata directive COPY or REPLACE', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: 'api', Key: 'src.txt', Body: 'copy me', ContentType: 'text/plain', CacheControl: 'max-age=5', Metadata: { tag: 'orig' } }),
    );
    const copied = await client.send(new CopyObjectCommand({ Bucket: 'api', Key: 'dst/copy.txt', CopySource: 'api/src.txt' }));
    expect(copied.CopyObjectResult?.ETag).toBe(md5('copy me'));
    const copy = await client.send(new GetObjectCommand({ Bucket: 'api', Key: 'dst/copy.txt' }));
    expect(copy).toMatchObject({ ContentType: 'text/plain', CacheControl: 'max-age=5', Metadata: { tag: 'orig' } });
    expect(await copy.Body!.transformToString()).toBe('copy me');
    await client.send(
      new CopyObjectCommand({
        Bucket: 'batch',
        Key: 'replaced',
        CopySource: '/api/src.txt',
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        Metadata: { tag: 'new' },
      }),
    );
    const replaced = await client.send(new HeadObjectCommand({ Bucket: 'batch', Key: 'replaced' }));
    expect(replaced).toMatchObject({ ContentType: 'application/json', Metadata: { tag: 'new' }, ContentLength: 7 });
    expect(replaced.CacheControl).toBeUndefined();
    expect(await failure(client.send(new CopyObjectCommand({ Bucket: 'api', Key: 'src.txt', CopySource: 'api/src.txt' })))).toEqual({
      name: 'InvalidRequest',
      status: 400,
    });
    expect(await failure(client.send(new CopyObjectCommand({ Bucket: 'api', Key: 'x', CopySource: 'api/absent' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(
      await failure(client.send(new CopyObjectCommand({ Bucket: 'api', Key: 'x', CopySource: 'api/src.txt', CopySourceIfMatch: '"other"' }))),
    ).toEqual({ name: 'PreconditionFailed', status: 412 });
    // A key whose name needs encoding in the copy source.
    await client.send(new PutObjectCommand({ Bucket: 'api', Key: 'with space+plus.txt', Body: 'odd' }));
    await client.send(new CopyObjectCommand({ Bucket: 'api', Key: 'odd-copy', CopySource: `api/${encodeURIComponent('with space+plus.txt')}` }));
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'api', Key: 'odd-copy' }))).Body!.transformToString()).toBe('odd');
  });
});

describe('S3 bad input', () => {
  it('refuses keys over 1,024 bytes (KeyTooLongError), NUL and dot segments; writes nothing', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'keys' }));
    expect(await failure(client.send(new PutObjectCommand({ Bucket: 'keys', Key: 'k'.repeat(1025), Body: 'x' })))).toEqual({
      name: 'KeyTooLongError',
      status: 400,
    });
    // 1,024 bytes of UTF-8 is the limit, not 1,024 characters.
    expect(await failure(client.send(new PutObjectCommand({ Bucket: 'keys', Key: 'é'.repeat(513), Body: 'x' })))).toMatchObject({ status: 400 });
    await client.send(new PutObjectCommand({ Bucket: 'keys', Key: 'é'.repeat(512), Body: 'at the limit' }));
    for (const path of ['/keys/a/../b', '/keys/..', '/keys/./x', '/keys/a%2F..%2Fb', '/keys/nul%00byte']) {
      const answer = await signedCall(s3.url, 'PUT', path, { body: 'evil' });
      expect(answer.status, path).toBe(400);
      expect(answer.text, path).toContain('<Code>InvalidArgument</Code>');
    }
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'keys' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['é'.repeat(512)]);
    expect(await s3.origin.store.pendingTempFiles()).toEqual([]);
  });

  it('refuses a body over the origin limit with EntityTooLarge, before and while reading; nothing written', async () => {
    const small = await startS3Origin({ maxObjectBytes: 1024 });
    try {
      await small.client.send(new CreateBucketCommand({ Bucket: 'tiny' }));
      expect(await failure(small.client.send(new PutObjectCommand({ Bucket: 'tiny', Key: 'big', Body: Buffer.alloc(2048) })))).toEqual({
        name: 'EntityTooLarge',
        status: 400,
      });
      // No length declared: the limit is found while reading, and the temp file goes.
      const streamed = await signedCall(small.url, 'PUT', '/tiny/streamed', { body: Buffer.alloc(4096), chunked: true });
      expect(streamed.status).toBe(400);
      expect(streamed.text).toContain('<Code>EntityTooLarge</Code>');
      await small.client.send(new PutObjectCommand({ Bucket: 'tiny', Key: 'fits', Body: Buffer.alloc(1024) }));
      expect((await small.client.send(new ListObjectsV2Command({ Bucket: 'tiny' }))).Contents?.map((entry) => entry.Key)).toEqual(['fits']);
      expect(await small.origin.store.pendingTempFiles()).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('answers errors as S3 XML with x-amz-request-id: NoSuchKey, NoSuchBucket, NotImplemented, MethodNotAllowed', async () => {
    const missing = await rawCall(s3.url, 'GET', '/public-site/no/such/key');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/xml');
    expect(missing.text).toMatch(/<Error><Code>NoSuchKey<\/Code><Message>[^<]+<\/Message><Key>no\/such\/key<\/Key>/);
    expect(missing.text).toContain(`<RequestId>${String(missing.headers['x-amz-request-id'])}</RequestId>`);
    const noBucket = await signedCall(s3.url, 'GET', '/no-such-bucket/key');
    expect(noBucket.status).toBe(404);
    expect(noBucket.text).toContain('<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>no-such-bucket</BucketName>');
    const acl = await signedCall(s3.url, 'GET', '/api?acl');
    expect(acl.status).toBe(501);
    expect(acl.text).toContain('<Code>NotImplemented</Code>');
    const post = await signedCall(s3.url, 'POST', '/api/headers.html');
    expect(post.status).toBe(405);
    expect(post.text).toContain('<Code>MethodNotAllowed</Code>');
    const badToken = await signedCall(s3.url, 'GET', '/api?list-type=2&continuation-token=bm9wZQ');
    expect(badToken.status).toBe(400);
    expect(badToken.text).toContain('<Code>InvalidArgument</Code>');
  });

  it('refuses an anonymous write to a public-read bucket (the real authenticator is in front)', async () => {
    const answer = await rawCall(s3.url, 'PUT', '/public-site/anon', { body: 'x' });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('<Code>AccessDenied</Code>');
  });
});

describe('S3 addressing and coexistence', () => {
  it('serves virtual-hosted-style requests (Host: <bucket>.s3.<anything>)', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'api', Key: 'vhost/page.txt', Body: 'by host' }));
    const answer = await signedCall(s3.url, 'GET', '/vhost/page.txt', { host: 'api.s3.localhost' });
    expect([answer.status, answer.text]).toEqual([200, 'by host']);
    const listing = await signedCall(s3.url, 'GET', '/?list-type=2&prefix=vhost/', { host: 'api.s3.cdnsim.test:8090' });
    expect(listing.text).toContain('<Key>vhost/page.txt</Key>');
    const publicHost = await rawCall(s3.url, 'GET', '/digits', { headers: { host: 'public-site.s3.localhost' } });
    expect([publicHost.status, publicHost.text]).toEqual([200, '0123456789']);
  });

  it('keeps the cdnsim API working beside it, in its own namespace, and labels metrics by operation', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await rawCall(s3.url, 'PUT', '/plain/key.txt', { headers: auth, body: 'cdnsim' })).status).toBe(201);
    const plain = await rawCall(s3.url, 'GET', '/plain/key.txt');
    expect([plain.status, plain.text]).toEqual([200, 'cdnsim']);
    expect((await rawCall(s3.url, 'GET', '/gen/abc?size=10')).status).toBe(200);
    expect((await rawCall(s3.url, 'GET', '/_cdn/health')).status).toBe(200);
    // The same name in a bucket and in cdnsim's namespace are two objects.
    await client.send(new CreateBucketCommand({ Bucket: 'plain' }));
    expect(await failure(client.send(new GetObjectCommand({ Bucket: 'plain', Key: 'key.txt' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    await client.send(new DeleteBucketCommand({ Bucket: 'plain' }));
    expect((await rawCall(s3.url, 'GET', '/plain/key.txt')).text).toBe('cdnsim');
    const metrics = (await rawCall(s3.url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/cdn_origin_requests_total\{method="PUT",status="200",operation="PutObject"\} [1-9]/);
    expect(metrics).toMatch(/cdn_origin_requests_total\{method="GET",status="200",operation="ListObjectsV2"\} [1-9]/);
    expect(metrics).toMatch(/cdn_origin_requests_total\{method="PUT",status="201",operation="cdnsim"\} [1-9]/);
  });
});

describe('S3 durability', () => {
  it('50 concurrent PUTs of one key end with exactly one of the bodies, whole', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'race' }));
    const bodies = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024 + i, String.fromCharCode(65 + (i % 26))));
    const etags = await Promise.all(
      bodies.map(async (body) => (await client.send(new PutObjectCommand({ Bucket: 'race', Key: 'hot', Body: body }))).ETag),
    );
    expect(etags).toEqual(bodies.map(md5));
    const get = await client.send(new GetObjectCommand({ Bucket: 'race', Key: 'hot' }));
    const final = Buffer.from(await get.Body!.transformToByteArray());
    expect(bodies.filter((body) => body.equals(final))).toHaveLength(1);
    expect(get.ETag).toBe(md5(final));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'race' }));
    expect(listed.Contents).toEqual([expect.objectContaining({ Key: 'hot', Size: final.length, ETag: md5(final) })]);
    expect(await s3.origin.store.pendingTempFiles()).toEqual([]);
  });

  it('rebuilds buckets and key indexes from disk after a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'cdnsim-s3-restart-'));
    const first = await startS3Origin({ dataDir });
    await first.client.send(new CreateBucketCommand({ Bucket: 'survives' }));
    await first.client.send(new PutObjectCommand({ Bucket: 'survives', Key: 'a/1', Body: 'one', ContentType: 'text/x-one' }));
    await first.client.send(new PutObjectCommand({ Bucket: 'survives', Key: 'b', Body: 'two' }));
    await first.close();
    const second = await startS3Origin({ dataDir });
    try {
      const listed = await second.client.send(new ListObjectsV2Command({ Bucket: 'survives' }));
      expect(listed.Contents?.map((entry) => [entry.Key, entry.Size, entry.ETag])).toEqual([
        ['a/1', 3, md5('one')],
        ['b', 3, md5('two')],
      ]);
      const get = await second.client.send(new GetObjectCommand({ Bucket: 'survives', Key: 'a/1' }));
      expect(get.ContentType).toBe('text/x-one');
      expect(await get.Body!.transformToString()).toBe('one');
      expect((await second.client.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name)).toEqual(['survives']);
    } finally {
      await second.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('S3 multipart through the dispatcher', () => {
  it('routes Create, UploadPart and Complete to the multipart part; the object is listed with its composite ETag', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'parts' }));
    const parts = [Buffer.alloc(5 * 1024 * 1024, 'a'), Buffer.alloc(1024, 'b')];
    const { UploadId: uploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'big.bin', ContentType: 'application/x-big', Metadata: { origin: 'mpu' } }),
    );
    const etags = [];
    for (const [index, body] of parts.entries()) {
      etags.push((await client.send(new UploadPartCommand({ Bucket: 'parts', Key: 'big.bin', UploadId: uploadId, PartNumber: index + 1, Body: body }))).ETag);
    }
    expect(etags).toEqual(parts.map(md5));
    const completed = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'parts',
        Key: 'big.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((etag, index) => ({ ETag: etag, PartNumber: index + 1 })) },
      }),
    );
    const binaryMd5s = Buffer.concat(parts.map((part) => createHash('md5').update(part).digest()));
    const composite = `"${createHash('md5').update(binaryMd5s).digest('hex')}-2"`;
    expect(completed.ETag).toBe(composite);
    const get = await client.send(new GetObjectCommand({ Bucket: 'parts', Key: 'big.bin' }));
    expect(get).toMatchObject({ ETag: composite, ContentType: 'application/x-big', Metadata: { origin: 'mpu' }, ContentLength: 5 * 1024 * 1024 + 1024 });
    expect(Buffer.from(await get.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'parts' }));
    expect(listed.Contents).toEqual([expect.objectContaining({ Key: 'big.bin', ETag: composite, Size: 5 * 1024 * 1024 + 1024 })]);
    const metrics = (await rawCall(s3.url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/operation="CompleteMultipartUpload"\} 1/);
  }, 60_000);
});
