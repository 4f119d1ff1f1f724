import { describe, expect, it } from 'vitest';
import { toS3Request, type OriginRequestSigner } from '../src/edge/s3-origin.ts';
import { createRequestSigner } from '../src/origin/s3/sign-request.ts';
import { s3OriginFromFlags } from '../src/cli/commands/edge-s3.ts';
import { DEV_CREDENTIAL } from '../src/origin/s3/settings.ts';

const ORIGIN = 'http://127.0.0.1:8090';
const calls: Parameters<OriginRequestSigner>[0][] = [];
const signer: OriginRequestSigner = async (request) => {
  calls.push(request);
  return { url: request.url, headers: { host: '127.0.0.1:8090', authorization: 'AWS4-HMAC-SHA256 edge', 'x-amz-date': '20260101T000000Z' } };
};

describe('toS3Request (an edge fetch as the bucket GetObject)', () => {
  it("maps the viewer's path into the bucket, drops its query and serves / as index.html", async () => {
    const front = { bucket: 'site' };
    const mapped = async (path: string) => (await toS3Request(front, ORIGIN, { method: 'GET', path, headers: {} })).path;
    expect(await mapped('/css/a.css')).toBe('/site/css/a.css');
    expect(await mapped('/index.html?uploads')).toBe('/site/index.html');
    expect(await mapped('/?list-type=2')).toBe('/site/index.html');
    expect(await mapped('/docs/')).toBe('/site/docs/');
    expect((await toS3Request({ bucket: 'site', defaultRootObject: 'home.htm' }, ORIGIN, { method: 'GET', path: '/', headers: {} })).path).toBe('/site/home.htm');
  });

  it("signs GET and HEAD, never forwarding the viewer's Authorization or x-amz-* headers; other methods go unsigned", async () => {
    calls.length = 0;
    const front = { bucket: 'site', signer };
    const viewer = { authorization: 'Bearer viewer', 'x-amz-security-token': 'forged', 'if-none-match': '"abc"', via: '1.1 a' };
    const get = await toS3Request(front, ORIGIN, { method: 'GET', path: '/a%20b.txt?x=1', headers: viewer });
    expect(calls).toEqual([{ method: 'GET', url: `${ORIGIN}/site/a%20b.txt`, headers: {} }]);
    expect(get.headers).toEqual({ 'if-none-match': '"abc"', via: '1.1 a', host: '127.0.0.1:8090', authorization: 'AWS4-HMAC-SHA256 edge', 'x-amz-date': '20260101T000000Z' });
    await toS3Request(front, ORIGIN, { method: 'HEAD', path: '/a', headers: {} });
    expect(calls).toHaveLength(2);
    const put = await toS3Request(front, ORIGIN, { method: 'PUT', path: '/a', headers: viewer });
    expect(calls).toHaveLength(2);
    expect(put.headers).toEqual(viewer);
  });

  it('with the real signer, the path is encoded as the signature covers it', async () => {
    const real = createRequestSigner({ credentials: DEV_CREDENTIAL, region: 'us-east-1' });
    const signed = await toS3Request({ bucket: 'site', signer: real }, ORIGIN, { method: 'GET', path: "/it's (1).txt", headers: {} as Record<string, string> });
    expect(signed.path).toBe('/site/it%27s%20%281%29.txt');
    expect(String(signed.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=CDNSIMDEVACCESSKEY\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
  });
});

describe('cdnsim edge --origin-s3-* flags', () => {
  it('signs with the environment key pair, or the dev pair; refuses bad input', () => {
    expect(s3OriginFromFlags({ bucket: undefined, region: 'us-east-1', anonymous: false })).toBeUndefined();
    expect(s3OriginFromFlags({ bucket: 'site', region: 'us-east-1', anonymous: true })).toEqual({ bucket: 'site' });
    expect(s3OriginFromFlags({ bucket: 'site', region: 'us-east-1', anonymous: false }, {})?.signer).toBeTypeOf('function');
    expect(() => s3OriginFromFlags({ bucket: 'Bad_Name', region: 'us-east-1', anonymous: false })).toThrow(/not an S3 bucket name/);
    expect(() => s3OriginFromFlags({ bucket: undefined, region: 'us-east-1', anonymous: true })).toThrow(/needs --origin-s3-bucket/);
    expect(() => s3OriginFromFlags({ bucket: 'site', region: 'us-east-1', anonymous: false }, { CDNSIM_S3_ACCESS_KEY_ID: 'AKIA' })).toThrow(/both/);
  });
});
