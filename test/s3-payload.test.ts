import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { PutObjectCommand, S3Client, type ChecksumAlgorithm } from '@aws-sdk/client-s3';
import { Crc32c } from '@aws-crypto/crc32c';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from '../src/origin/s3/auth/aws-chunked-decoder.ts';
import { storedContentEncoding } from '../src/origin/s3/auth/index.ts';
import type { S3Settings } from '../src/origin/s3/contract.ts';
import { createRequestSigner } from '../src/origin/s3/sign-request.ts';
import { errorCode, sendRaw, startAuthHarness, type AuthHarness } from './helpers/s3-auth-harness.ts';

const KEY = { accessKeyId: 'AKIDCDNSIMTEST', secretAccessKey: 'cdnsim/test/secret+key' };
// The example credentials of AWS's SigV4 streaming documentation, whose worked example is replayed below.
const DOC_KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const settings: S3Settings = { region: 'us-east-1', credentials: [KEY, DOC_KEY], publicReadBuckets: new Set(), maxPresignSeconds: 604800 };

let harness: AuthHarness;

function client(): S3Client {
  return new S3Client({
    endpoint: harness.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: KEY,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 5000, connectionTimeout: 2000 },
  });
}

function crc32Base64(bytes: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(bytes));
  return out.toString('base64');
}

/** A deterministic body of `size` bytes that is not one repeated byte (a swapped chunk would show). */
function bodyOf(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

/** What the harness needs to see the same request again: the SDK's headers, less those of the connection. */
function replayHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'connection' || name === 'transfer-encoding' || name === 'content-length' || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
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

describe('the SDK default PutObject (checksums on)', () => {
  it('a stream body arrives aws-chunked with a CRC32 trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER), decodes to its bytes and verifies', async () => {
    const data = bodyOf(300_000);
    const parts = [data.subarray(0, 70_000), data.subarray(70_000, 200_000), data.subarray(200_000)];
    await client().send(new PutObjectCommand({ Bucket: 'b', Key: 'streamed', Body: Readable.from(parts), ContentLength: data.length }));
    const got = harness.received[0];
    expect(got?.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(got?.headers['content-encoding']).toBe('aws-chunked');
    expect(got?.headers['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect(got?.principal.payload.kind).toBe('streaming-unsigned-trailer');
    expect(got?.body.equals(data)).toBe(true);
    expect(got?.checksums).toEqual({ CRC32: crc32Base64(data) });
    expect(harness.lastRawBody().toString('latin1')).toMatch(/\r\n0\r\nx-amz-checksum-crc32:[A-Za-z0-9+/=]{8}\r\n\r\n$/);
  }, 15_000);

  it('a buffer body carries x-amz-checksum-crc32 in a header and the signed sha256', async () => {
    const data = bodyOf(5000);
    await client().send(new PutObjectCommand({ Bucket: 'b', Key: 'buffered', Body: data }));
    const got = harness.received[0];
    expect(got?.principal.payload).toEqual({ kind: 'sha256', hex: createHash('sha256').update(data).digest('hex') });
    expect(got?.headers['x-amz-checksum-crc32']).toBe(crc32Base64(data));
    expect(got?.checksums).toEqual({ CRC32: crc32Base64(data) });
    expect(got?.body.equals(data)).toBe(true);
  }, 15_000);

  it.each<[ChecksumAlgorithm, string]>([
    ['CRC32C', 'CRC32C'],
    ['SHA1', 'SHA1'],
    ['SHA256', 'SHA256'],
  ])('ChecksumAlgorithm %s verifies in a trailer and in a header', async (algorithm, key) => {
    const data = bodyOf(100_000);
    await client().send(new PutObjectCommand({ Bucket: 'b', Key: 'trailer', Body: Readable.from([data]), ContentLength: data.length, ChecksumAlgorithm: algorithm }));
    await client().send(new PutObjectCommand({ Bucket: 'b', Key: 'header', Body: data, ChecksumAlgorithm: algorithm }));
    const [trailer, header] = harness.received;
    expect(trailer?.headers['x-amz-trailer']).toBe(`x-amz-checksum-${algorithm.toLowerCase()}`);
    expect(header?.headers[`x-amz-checksum-${algorithm.toLowerCase()}`]).toBeDefined();
    expect(trailer?.body.equals(data) && header?.body.equals(data)).toBe(true);
    const expected = algorithm === 'CRC32C' ? header?.headers['x-amz-checksum-crc32c'] : createHash(algorithm.toLowerCase()).update(data).digest('base64');
    expect(trailer?.checksums[key]).toBe(expected);
    expect(header?.checksums[key]).toBe(expected);
  }, 15_000);
});

describe('a real SDK aws-chunked body, replayed changed', () => {
  async function captured(): Promise<{ headers: Record<string, string>; raw: Buffer; data: Buffer; path: string }> {
    const data = bodyOf(200_000);
    await client().send(new PutObjectCommand({ Bucket: 'b', Key: 'replayed', Body: Readable.from([data]), ContentLength: data.length }));
    const headers = replayHeaders(harness.received[0]?.headers ?? {});
    const raw = harness.lastRawBody();
    const path = harness.received[0]?.target ?? '';
    harness.received.length = 0;
    return { headers, raw, data, path };
  }

  it('unchanged it is taken again; a corrupted chunk byte errors the body (BadDigest) and nothing is kept', async () => {
    const { headers, raw, data, path } = await captured();
    const again = await sendRaw(harness.url, { method: 'PUT', path, headers, body: raw });
    expect(again.status).toBe(200);
    expect(harness.received[0]?.body.equals(data)).toBe(true);
    const corrupted = Buffer.from(raw);
    corrupted[1000] = (corrupted[1000] ?? 0) ^ 0x01;
    const r = await sendRaw(harness.url, { method: 'PUT', path, headers, body: corrupted });
    expect([r.status, errorCode(r.body)]).toEqual([400, 'BadDigest']);
    expect(harness.received).toHaveLength(1);
  }, 15_000);

  it('a changed trailer checksum is BadDigest; a cut-off body is IncompleteBody; a wrong chunk size is refused', async () => {
    const { headers, raw, path } = await captured();
    const text = raw.toString('latin1');
    const trailer = /x-amz-checksum-crc32:([A-Za-z0-9+/=]+)/.exec(text)?.[1] ?? '';
    const other = Buffer.from(Buffer.from(trailer, 'base64').map((b) => b ^ 0xff)).toString('base64');
    const wrongTrailer = await sendRaw(harness.url, { method: 'PUT', path, headers, body: Buffer.from(text.replace(trailer, other), 'latin1') });
    expect([wrongTrailer.status, errorCode(wrongTrailer.body)]).toEqual([400, 'BadDigest']);
    const cut = await sendRaw(harness.url, { method: 'PUT', path, headers, body: raw.subarray(0, raw.length - 40) });
    expect([cut.status, errorCode(cut.body)]).toEqual([400, 'IncompleteBody']);
    const resized = await sendRaw(harness.url, { method: 'PUT', path, headers, body: Buffer.from(text.replace(/^[0-9a-f]+\r\n/, '30d3f\r\n'), 'latin1') });
    expect(resized.status).toBe(400);
    expect(harness.received).toEqual([]);
  }, 15_000);
});

describe('checksum and digest headers', () => {
  const sign = (headers: Record<string, string>) => createRequestSigner({ credentials: KEY, region: 'us-east-1' })({ method: 'PUT', url: `${harness.url}/b/k`, headers });
  const data = Buffer.from('the body whose digests are checked');

  it('a wrong x-amz-checksum-crc32 or Content-MD5 is BadDigest; a malformed one is refused before the body', async () => {
    const good = await sign({ 'x-amz-checksum-crc32': crc32Base64(data), 'content-md5': createHash('md5').update(data).digest('base64') });
    expect((await sendRaw(harness.url, { method: 'PUT', path: '/b/k', headers: good.headers, body: data })).status).toBe(200);
    const wrongCrc = await sign({ 'x-amz-checksum-crc32': crc32Base64(Buffer.from('something else')) });
    const r1 = await sendRaw(harness.url, { method: 'PUT', path: '/b/k', headers: wrongCrc.headers, body: data });
    expect([r1.status, errorCode(r1.body)]).toEqual([400, 'BadDigest']);
    const wrongMd5 = await sign({ 'content-md5': createHash('md5').update('else').digest('base64') });
    const r2 = await sendRaw(harness.url, { method: 'PUT', path: '/b/k', headers: wrongMd5.headers, body: data });
    expect([r2.status, errorCode(r2.body)]).toEqual([400, 'BadDigest']);
    const badMd5 = await sign({ 'content-md5': 'not-an-md5' });
    const r3 = await sendRaw(harness.url, { method: 'PUT', path: '/b/k', headers: badMd5.headers, body: data });
    expect([r3.status, errorCode(r3.body)]).toEqual([400, 'InvalidDigest']);
    const two = await sign({ 'x-amz-checksum-crc32': crc32Base64(data), 'x-amz-checksum-sha1': createHash('sha1').update(data).digest('base64') });
    const r4 = await sendRaw(harness.url, { method: 'PUT', path: '/b/k', headers: two.headers, body: data });
    expect([r4.status, errorCode(r4.body)]).toEqual([400, 'InvalidRequest']);
    expect(harness.received).toHaveLength(1);
  }, 15_000);
});

describe("what a body's checksum headers mean", () => {
  it("CompleteMultipartUpload's x-amz-checksum-* (the object's composite checksum) is not checked against its XML body", async () => {
    const sign = createRequestSigner({ credentials: KEY, region: 'us-east-1' });
    const xml = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>';
    const complete = await sign({ method: 'POST', url: `${harness.url}/b/k?uploadId=abc`, headers: { 'x-amz-checksum-crc32': 'AAAAAA==-2' } });
    const r1 = await sendRaw(harness.url, { method: 'POST', path: '/b/k?uploadId=abc', headers: complete.headers, body: xml });
    expect(r1.status).toBe(200);
    expect(harness.received[0]?.body.toString()).toBe(xml);
    const other = await sign({ method: 'POST', url: `${harness.url}/b?delete`, headers: { 'x-amz-checksum-crc32': 'AAAAAA==-2' } });
    const r2 = await sendRaw(harness.url, { method: 'POST', path: '/b?delete', headers: other.headers, body: xml });
    expect([r2.status, errorCode(r2.body)]).toEqual([400, 'InvalidRequest']);
  }, 15_000);

  it('an aws-chunked body longer than x-amz-decoded-content-length is IncompleteBody', async () => {
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: KEY, sha256: Sha256, uriEscapePath: false });
    const headers = {
      host: new URL(harness.url).host,
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '10',
    };
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', path: '/b/long', headers });
    const body = `64\r\n${'x'.repeat(100)}\r\n0\r\n\r\n`;
    const sent = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name, String(value)]));
    const r = await sendRaw(harness.url, { method: 'PUT', path: '/b/long', headers: sent, body });
    expect([r.status, errorCode(r.body)]).toEqual([400, 'IncompleteBody']);
    expect(harness.received).toEqual([]);
  }, 15_000);
});

describe('signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  // AWS's worked example: PUT of 66,560 bytes of 'a' in a 64 KiB and a 1 KiB chunk, with its published signatures.
  const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const chunkSignatures = [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ];
  const headers = {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${seed}`,
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'content-length': '66824',
  };
  function exampleBody(): Buffer {
    const a64 = Buffer.alloc(65536, 'a');
    const a1 = Buffer.alloc(1024, 'a');
    return Buffer.concat([
      Buffer.from(`10000;chunk-signature=${chunkSignatures[0]}\r\n`),
      a64,
      Buffer.from(`\r\n400;chunk-signature=${chunkSignatures[1]}\r\n`),
      a1,
      Buffer.from(`\r\n0;chunk-signature=${chunkSignatures[2]}\r\n\r\n`),
    ]);
  }

  it("AWS's worked example verifies and decodes; a changed byte in the second chunk is SignatureDoesNotMatch", async () => {
    harness.setClock(Date.UTC(2013, 4, 24, 0, 5));
    const body = exampleBody();
    expect(body.length).toBe(66824);
    const ok = await sendRaw(harness.url, { method: 'PUT', path: '/examplebucket/chunkObject.txt', headers, body });
    expect(ok.status).toBe(200);
    expect(harness.received[0]?.body.equals(Buffer.alloc(66560, 'a'))).toBe(true);
    expect(harness.received[0]?.principal.payload.kind).toBe('streaming-signed');
    const tampered = Buffer.from(body);
    tampered[65626 + 200] = 'b'.charCodeAt(0);
    const r = await sendRaw(harness.url, { method: 'PUT', path: '/examplebucket/chunkObject.txt', headers, body: tampered });
    expect([r.status, errorCode(r.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    const reordered = await sendRaw(harness.url, { method: 'PUT', path: '/examplebucket/chunkObject.txt', headers, body: Buffer.from(body.toString('latin1').replace(chunkSignatures[1] ?? '', chunkSignatures[0] ?? ''), 'latin1') });
    expect([reordered.status, errorCode(reordered.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(harness.received).toHaveLength(1);
  }, 15_000);

  it('signed chunks with a signed CRC32C trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER) verify; a forged trailer does not', async () => {
    const data = bodyOf(70_000);
    const now = Date.now();
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: KEY, sha256: Sha256, uriEscapePath: false });
    const host = new URL(harness.url).host;
    const requestHeaders: Record<string, string> = {
      host,
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32c',
    };
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', path: '/b/signed-trailer', headers: requestHeaders }, { signingDate: new Date(now) });
    const seedSignature = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))?.[1] ?? '';
    const amzDate = String(signed.headers['x-amz-date']);
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${KEY.secretAccessKey}`, amzDate.slice(0, 8)), 'us-east-1'), 's3'), 'aws4_request');
    const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
    // The chunk and trailer strings to sign as AWS documents them.
    let previous = seedSignature;
    const frames: Buffer[] = [];
    for (const chunk of [data.subarray(0, 65536), data.subarray(65536), Buffer.alloc(0)]) {
      previous = hmac(signingKey, `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${sha('')}\n${sha(chunk)}`).toString('hex');
      frames.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk, chunk.length > 0 ? Buffer.from('\r\n') : Buffer.alloc(0));
    }
    const crcBytes = Buffer.alloc(4);
    crcBytes.writeUInt32BE(new Crc32c().update(data).digest() >>> 0);
    const trailerLine = `x-amz-checksum-crc32c:${crcBytes.toString('base64')}`;
    const trailerSignature = hmac(signingKey, `AWS4-HMAC-SHA256-TRAILER\n${amzDate}\n${scope}\n${previous}\n${sha(`${trailerLine}\n`)}`).toString('hex');
    const body = Buffer.concat([...frames, Buffer.from(`${trailerLine}\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`)]);
    const sentHeaders = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name, String(value)]));
    const ok = await sendRaw(harness.url, { method: 'PUT', path: '/b/signed-trailer', headers: sentHeaders, body });
    expect(ok.status).toBe(200);
    expect(harness.received[0]?.body.equals(data)).toBe(true);
    expect(harness.received[0]?.checksums).toEqual({ CRC32C: crcBytes.toString('base64') });
    const forged = Buffer.from(body.toString('latin1').replace(trailerSignature, sha('forged')), 'latin1');
    const r = await sendRaw(harness.url, { method: 'PUT', path: '/b/signed-trailer', headers: sentHeaders, body: forged });
    expect([r.status, errorCode(r.body)]).toEqual([403, 'SignatureDoesNotMatch']);
  }, 15_000);
});

describe('AwsChunkedDecoder across arbitrary splits', () => {
  it('decodes the same bytes whether the body comes whole or one byte at a time', async () => {
    const data = bodyOf(10_000);
    const framed = Buffer.concat([
      Buffer.from('1000\r\n'),
      data.subarray(0, 4096),
      Buffer.from('\r\n'),
      Buffer.from((10_000 - 4096).toString(16) + '\r\n'),
      data.subarray(4096),
      Buffer.from('\r\n0\r\nx-amz-checksum-crc32:' + crc32Base64(data) + '\r\n\r\n'),
    ]);
    for (const pieces of [[framed], [...framed].map((byte) => Buffer.from([byte]))]) {
      const decoder = new AwsChunkedDecoder({ trailer: true });
      const out: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        Readable.from(pieces).pipe(decoder).on('data', (part: Buffer) => out.push(part)).once('end', resolve).once('error', reject);
      });
      expect(Buffer.concat(out).equals(data)).toBe(true);
      expect(decoder.trailers.get('x-amz-checksum-crc32')).toBe(crc32Base64(data));
    }
  }, 15_000);
});

describe('storedContentEncoding', () => {
  it('drops the aws-chunked framing and keeps the object\'s own coding', () => {
    expect(storedContentEncoding({ 'content-encoding': 'aws-chunked' })).toBeUndefined();
    expect(storedContentEncoding({ 'content-encoding': 'aws-chunked,gzip' })).toBe('gzip');
    expect(storedContentEncoding({ 'content-encoding': 'gzip' })).toBe('gzip');
    expect(storedContentEncoding({})).toBeUndefined();
  });
});
