import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { createHash } from 'node:crypto';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { S3Settings } from '../src/origin/s3/contract.ts';
import { createRequestSigner } from '../src/origin/s3/sign-request.ts';
import { OBJECT_TEXT, errorCode, sendRaw, startAuthHarness, type AuthHarness } from './helpers/s3-auth-harness.ts';

const KEY = { accessKeyId: 'AKIDCDNSIMTEST', secretAccessKey: 'cdnsim/test/secret+key' };
// The example credentials of AWS's SigV4 documentation, whose worked examples are replayed below.
const DOC_KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const settings: S3Settings = {
  region: 'us-east-1',
  credentials: [KEY, DOC_KEY],
  publicReadBuckets: new Set(['public']),
  maxPresignSeconds: 7 * 24 * 3600,
};

let harness: AuthHarness;

function client(overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint: harness.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: KEY,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 5000, connectionTimeout: 2000 },
    ...overrides,
  });
}

/** The S3 error code the SDK saw (its exception's name is the XML Code). */
async function sdkError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { name: string }).name;
  }
  throw new Error('the request succeeded');
}

/** A client whose requests are changed after the SDK signed them, as a man in the middle would. */
function tamperingClient(tamper: (request: { path: string; query: Record<string, unknown>; headers: Record<string, string> }) => void): S3Client {
  const c = client();
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
    // args.request is the SDK's HttpRequest at this step (finalizeRequest, after signing).
    tamper(args.request as { path: string; query: Record<string, unknown>; headers: Record<string, string> });
    return next(args);
  };
  c.middlewareStack.addRelativeTo(middleware, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamperAfterSigning' });
  return c;
}

beforeAll(async () => {
  harness = await startAuthHarness(settings);
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => {
  harness.setClock(undefined);
  harness.received.length = 0;
  harness.errors.length = 0;
});

describe('SigV4 in the Authorization header, from @aws-sdk/client-s3', () => {
  it('verifies GET, HEAD and PUT the SDK signs, keys with characters S3 encodes included', async () => {
    const s3 = client();
    const key = "dir/sub dir/ünï(c)ode!*'~+=&.txt";
    const got = await s3.send(new GetObjectCommand({ Bucket: 'private', Key: key }));
    expect(await got.Body?.transformToString()).toBe(OBJECT_TEXT);
    await s3.send(new HeadObjectCommand({ Bucket: 'private', Key: key }));
    await s3.send(new PutObjectCommand({ Bucket: 'private', Key: key, Body: 'a body', ContentType: 'text/plain', Metadata: { colour: 'blue' } }));
    expect(harness.received.map((r) => [r.method, r.key, r.principal.accessKeyId])).toEqual([
      ['GET', key, KEY.accessKeyId],
      ['HEAD', key, KEY.accessKeyId],
      ['PUT', key, KEY.accessKeyId],
    ]);
    expect(harness.received[2]?.body.toString()).toBe('a body');
  }, 15_000);

  it('verifies a query string the SDK signs (ListObjectsV2-style parameters, sorted and encoded)', async () => {
    const s3 = client();
    // The harness answers 200 with text: the SDK fails to parse it, after the signature passed.
    await s3.send(new ListObjectsV2Command({ Bucket: 'private', Prefix: 'a b/ü', Delimiter: '/', MaxKeys: 5, StartAfter: 'a+b' })).catch(() => undefined);
    expect(harness.errors).toEqual([]);
    expect(harness.received[0]?.method).toBe('GET');
  }, 15_000);

  it('refuses a wrong secret (SignatureDoesNotMatch) and an unknown key (InvalidAccessKeyId)', async () => {
    const wrongSecret = client({ credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: 'not-the-secret' } });
    expect(await sdkError(wrongSecret.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })))).toBe('SignatureDoesNotMatch');
    const unknown = client({ credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: KEY.secretAccessKey } });
    expect(await sdkError(unknown.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })))).toBe('InvalidAccessKeyId');
    expect(harness.received).toEqual([]);
  }, 15_000);

  it('refuses a request whose path, query or a signed header changed after signing', async () => {
    const path = tamperingClient((r) => {
      r.path = r.path.replace('/k', '/other');
    });
    expect(await sdkError(path.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })))).toBe('SignatureDoesNotMatch');
    const query = tamperingClient((r) => {
      r.query['versionId'] = 'v2';
    });
    expect(await sdkError(query.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })))).toBe('SignatureDoesNotMatch');
    const header = tamperingClient((r) => {
      r.headers['range'] = 'bytes=1-2';
    });
    // range is signed by the SDK when the command sets it; change it after signing.
    expect(await sdkError(header.send(new GetObjectCommand({ Bucket: 'private', Key: 'k', Range: 'bytes=0-1' })))).toBe('SignatureDoesNotMatch');
    const added = tamperingClient((r) => {
      r.headers['x-amz-meta-sneaky'] = 'yes';
    });
    expect(await sdkError(added.send(new PutObjectCommand({ Bucket: 'private', Key: 'k', Body: 'x' })))).toBe('AccessDenied');
    expect(harness.errors.at(-1)?.details['HeadersNotSigned']).toBe('x-amz-meta-sneaky');
    expect(harness.received).toEqual([]);
  }, 15_000);

  it('refuses a body that is not the one whose sha256 was signed (XAmzContentSHA256Mismatch)', async () => {
    // The SDK's own signer, told the body's real hash (rather than UNSIGNED-PAYLOAD).
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: KEY, sha256: Sha256, uriEscapePath: false });
    const host = new URL(harness.url).host;
    const good = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', path: '/private/k', headers: { host, 'x-amz-content-sha256': createHash('sha256').update('good body').digest('hex') }, body: 'good body' });
    const ok = await sendRaw(harness.url, { method: 'PUT', path: '/private/k', headers: good.headers, body: 'good body' });
    expect(ok.status).toBe(200);
    const bad = await sendRaw(harness.url, { method: 'PUT', path: '/private/k', headers: good.headers, body: 'evil body' });
    expect([bad.status, errorCode(bad.body)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect(harness.received.map((r) => r.body.toString())).toEqual(['good body']);
  }, 15_000);

  it('refuses a request signed more than 15 minutes from now (RequestTimeTooSkewed), and accepts 14 minutes', async () => {
    const s3 = client();
    harness.setClock(Date.now() + 16 * 60_000);
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })))).toBe('RequestTimeTooSkewed');
    harness.setClock(Date.now() + 14 * 60_000);
    await s3.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' }));
  }, 15_000);

  it('refuses a signature whose credential names another region or the wrong service', async () => {
    const west = client({ region: 'eu-west-1' });
    expect(await sdkError(west.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })))).toBe('AuthorizationHeaderMalformed');
    expect(harness.errors.at(-1)?.details['Region']).toBe('us-east-1');
  }, 15_000);
});

describe('presigned URLs from @aws-sdk/s3-request-presigner', () => {
  it('serves a presigned GET and takes a presigned PUT', async () => {
    const s3 = client();
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'private', Key: 'dir/a file.txt' }), { expiresIn: 60 });
    const got = await fetch(url, { signal: AbortSignal.timeout(5000) });
    expect([got.status, await got.text()]).toEqual([200, OBJECT_TEXT]);
    const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'private', Key: 'up.txt' }), { expiresIn: 60 });
    const stored = await fetch(put, { method: 'PUT', body: 'uploaded', signal: AbortSignal.timeout(5000) });
    expect(stored.status).toBe(200);
    expect(harness.received.map((r) => [r.method, r.key, r.body.toString()])).toEqual([
      ['GET', 'dir/a file.txt', ''],
      ['PUT', 'up.txt', 'uploaded'],
    ]);
  }, 15_000);

  it('refuses a presigned URL whose key or query was changed (SignatureDoesNotMatch)', async () => {
    const url = new URL(await getSignedUrl(client(), new GetObjectCommand({ Bucket: 'private', Key: 'mine.txt' }), { expiresIn: 60 }));
    const otherKey = new URL(url);
    otherKey.pathname = '/private/yours.txt';
    const r1 = await fetch(otherKey, { signal: AbortSignal.timeout(5000) });
    expect([r1.status, errorCode(await r1.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '3600');
    const r2 = await fetch(longer, { signal: AbortSignal.timeout(5000) });
    expect([r2.status, errorCode(await r2.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const extra = new URL(url);
    extra.searchParams.set('response-content-type', 'text/html');
    const r3 = await fetch(extra, { signal: AbortSignal.timeout(5000) });
    expect([r3.status, errorCode(await r3.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(harness.received).toEqual([]);
  }, 15_000);

  it('refuses an expired presigned URL (AccessDenied, Request has expired) and one valid over 7 days', async () => {
    const url = await getSignedUrl(client(), new GetObjectCommand({ Bucket: 'private', Key: 'k' }), { expiresIn: 60 });
    harness.setClock(Date.now() + 61_000);
    const expired = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = await expired.text();
    expect([expired.status, errorCode(text)]).toEqual([403, 'AccessDenied']);
    expect(text).toContain('Request has expired');
    harness.setClock(undefined);
    const tooLong = new URL(url);
    tooLong.searchParams.set('X-Amz-Expires', String(7 * 24 * 3600 + 1));
    const r = await fetch(tooLong, { signal: AbortSignal.timeout(5000) });
    expect([r.status, errorCode(await r.text())]).toEqual([400, 'AuthorizationQueryParametersError']);
  }, 15_000);
});

describe('anonymous requests', () => {
  it('reads a public-read bucket without a signature, and nothing else', async () => {
    const get = await sendRaw(harness.url, { method: 'GET', path: '/public/page.html' });
    expect([get.status, get.body]).toEqual([200, OBJECT_TEXT]);
    const head = await sendRaw(harness.url, { method: 'HEAD', path: '/public/page.html' });
    expect(head.status).toBe(200);
    const put = await sendRaw(harness.url, { method: 'PUT', path: '/public/page.html', body: 'defaced' });
    expect([put.status, errorCode(put.body)]).toEqual([403, 'AccessDenied']);
    const privateGet = await sendRaw(harness.url, { method: 'GET', path: '/private/page.html' });
    expect([privateGet.status, errorCode(privateGet.body)]).toEqual([403, 'AccessDenied']);
    const listBuckets = await sendRaw(harness.url, { method: 'GET', path: '/' });
    expect([listBuckets.status, errorCode(listBuckets.body)]).toEqual([403, 'AccessDenied']);
    expect(harness.received.map((r) => [r.method, r.principal.accessKeyId])).toEqual([
      ['GET', 'anonymous'],
      ['HEAD', 'anonymous'],
    ]);
  }, 15_000);

  it('refuses a SigV2 Authorization header', async () => {
    const r = await sendRaw(harness.url, { method: 'GET', path: '/private/k', headers: { authorization: 'AWS AKIDCDNSIMTEST:c2lnbmF0dXJl' } });
    expect([r.status, errorCode(r.body)]).toEqual([400, 'InvalidArgument']);
  }, 15_000);
});

describe('sign-request (the edges signing as Origin Access Control does)', () => {
  it('signs a GET the authenticator accepts, with a query and a key S3 encodes; a wrong key is refused', async () => {
    const sign = createRequestSigner({ credentials: KEY, region: 'us-east-1' });
    const signed = await sign({ method: 'GET', url: `${harness.url}/private/a b/ü(1)!.txt?versionId=3&x-id=GetObject`, headers: { 'if-none-match': '"abc"' } });
    const url = new URL(signed.url);
    const r = await sendRaw(harness.url, { method: 'GET', path: url.pathname + url.search, headers: signed.headers });
    expect([r.status, r.body]).toEqual([200, OBJECT_TEXT]);
    expect(harness.received[0]?.key).toBe('a b/ü(1)!.txt');
    expect(signed.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    const wrong = await createRequestSigner({ credentials: { ...KEY, secretAccessKey: 'other' }, region: 'us-east-1' })({ method: 'GET', url: `${harness.url}/private/k` });
    const refused = await sendRaw(harness.url, { method: 'GET', path: '/private/k', headers: wrong.headers });
    expect([refused.status, errorCode(refused.body)]).toEqual([403, 'SignatureDoesNotMatch']);
  }, 15_000);
});

describe("AWS's worked SigV4 examples (examplebucket, 20130524T000000Z)", () => {
  const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const credential = 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request';
  const host = 'examplebucket.s3.amazonaws.com';
  const examples: Array<{ name: string; method: string; path: string; headers: Record<string, string>; signedHeaders: string; signature: string; body?: string }> = [
    {
      name: 'GET object with a Range',
      method: 'GET',
      path: '/test.txt',
      headers: { range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY },
      signedHeaders: 'host;range;x-amz-content-sha256;x-amz-date',
      signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    },
    {
      name: 'PUT object with a $ in the key and a Date header',
      method: 'PUT',
      path: '/test%24file.text',
      headers: {
        date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      },
      signedHeaders: 'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
      signature: '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
      body: 'Welcome to Amazon S3.',
    },
    {
      name: 'GET bucket lifecycle (a query parameter without a value)',
      method: 'GET',
      path: '/?lifecycle',
      headers: { 'x-amz-content-sha256': EMPTY },
      signedHeaders: 'host;x-amz-content-sha256;x-amz-date',
      signature: 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    },
    {
      name: 'GET bucket (list objects, query sorted)',
      method: 'GET',
      path: '/?max-keys=2&prefix=J',
      headers: { 'x-amz-content-sha256': EMPTY },
      signedHeaders: 'host;x-amz-content-sha256;x-amz-date',
      signature: '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    },
  ];

  it.each(examples)('$name verifies, and fails once its signature is changed', async (example) => {
    harness.setClock(Date.UTC(2013, 4, 24, 0, 1));
    const headers = {
      ...example.headers,
      host,
      'x-amz-date': '20130524T000000Z',
      authorization: `AWS4-HMAC-SHA256 Credential=${credential},SignedHeaders=${example.signedHeaders},Signature=${example.signature}`,
    };
    const ok = await sendRaw(harness.url, { method: example.method, path: example.path, headers, body: example.body });
    expect([ok.status, errorCode(ok.body)]).toEqual([200, undefined]);
    const changed = { ...headers, authorization: headers.authorization.replace(/.$/, (c) => (c === '0' ? '1' : '0')) };
    const refused = await sendRaw(harness.url, { method: example.method, path: example.path, headers: changed, body: example.body });
    expect([refused.status, errorCode(refused.body)]).toEqual([403, 'SignatureDoesNotMatch']);
  }, 15_000);

  it('the presigned GET example verifies within its 86,400 s and is refused after', async () => {
    const path =
      '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
      '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    harness.setClock(Date.UTC(2013, 4, 24, 23, 59));
    const ok = await sendRaw(harness.url, { method: 'GET', path, headers: { host } });
    expect([ok.status, errorCode(ok.body)]).toEqual([200, undefined]);
    harness.setClock(Date.UTC(2013, 4, 25, 0, 0, 1));
    const late = await sendRaw(harness.url, { method: 'GET', path, headers: { host } });
    expect([late.status, errorCode(late.body)]).toEqual([403, 'AccessDenied']);
    expect(late.body).toContain('Request has expired');
  }, 15_000);

  it('refuses a request that carries both an Authorization header and a presigned query', async () => {
    const url = new URL(await getSignedUrl(client(), new GetObjectCommand({ Bucket: 'private', Key: 'k' }), { expiresIn: 60 }));
    const signed = await createRequestSigner({ credentials: KEY, region: 'us-east-1' })({ method: 'GET', url: url.toString() });
    const r = await sendRaw(harness.url, { method: 'GET', path: url.pathname + url.search, headers: signed.headers });
    expect([r.status, errorCode(r.body)]).toEqual([400, 'InvalidArgument']);
  }, 15_000);
});
