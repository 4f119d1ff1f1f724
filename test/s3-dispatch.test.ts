import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { resolveS3Request, selectOperation } from '../src/origin/s3/dispatch.ts';

const SIGNED = { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' };

/** Just what the dispatcher reads of a request: method, target and headers. */
function message(method: string, url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { method, url, headers: { host: '127.0.0.1:8090', ...headers } } as unknown as IncomingMessage;
}

const existing = (name: string) => name === 'site';

describe('which requests are S3', () => {
  it.each([
    ['unsigned path-style GET in an existing bucket', message('GET', '/site/index.html'), { bucket: 'site', key: 'index.html', addressing: 'path' }],
    ['signed path-style PUT of a new bucket', message('PUT', '/new-bucket', SIGNED), { bucket: 'new-bucket', key: undefined }],
    ['signed GET / (ListBuckets)', message('GET', '/', SIGNED), { bucket: undefined, key: undefined }],
    ['presigned query', message('GET', '/other/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00'), { bucket: 'other', key: 'k' }],
    ['virtual-hosted', message('GET', '/a%20b/c', { host: 'my.site.s3.localhost:8090' }), { bucket: 'my.site', key: 'a b/c', addressing: 'virtual-hosted' }],
    ['virtual-hosted bucket root', message('GET', '/?list-type=2', { host: 'site.s3.example' }), { bucket: 'site', key: undefined }],
    ['an encoded slash is part of the key', message('GET', '/site/a%2Fb'), { bucket: 'site', key: 'a/b' }],
  ])('%s', (_name, req, expected) => {
    expect(resolveS3Request(req, existing)).toMatchObject(expected);
  });

  it.each([
    ['cdnsim PUT with the admin token', message('PUT', '/site-not-a-bucket/x', { authorization: 'Bearer token' })],
    ['unsigned GET of a cdnsim key', message('GET', '/plain/key.txt')],
    ['unsigned GET /', message('GET', '/')],
    ['/metrics', message('GET', '/metrics')],
    ['/_cdn/health', message('GET', '/_cdn/health')],
    ['an absolute-form target', message('GET', 'http://x/site/a')],
  ])('%s is left to cdnsim', (_name, req) => {
    expect(resolveS3Request(req, existing)).toBeUndefined();
  });

  it('refuses a malformed percent-encoding in an S3 key with InvalidURI', () => {
    expect(() => resolveS3Request(message('GET', '/site/%E0%A4%A'), existing)).toThrow(expect.objectContaining({ code: 'InvalidURI', status: 400 }));
  });
});

describe('operation by method and subresource', () => {
  const op = (method: string, url: string, headers: Record<string, string> = {}) =>
    selectOperation(resolveS3Request(message(method, url, { ...SIGNED, ...headers }), existing)!);

  it.each([
    ['GET', '/', {}, 'ListBuckets'],
    ['PUT', '/site', {}, 'CreateBucket'],
    ['DELETE', '/site', {}, 'DeleteBucket'],
    ['HEAD', '/site', {}, 'HeadBucket'],
    ['GET', '/site?location', {}, 'GetBucketLocation'],
    ['GET', '/site?list-type=2&prefix=a', {}, 'ListObjectsV2'],
    ['GET', '/site?prefix=a', {}, 'ListObjects'],
    ['GET', '/site?uploads', {}, 'ListMultipartUploads'],
    ['POST', '/site?delete', {}, 'DeleteObjects'],
    ['PUT', '/site/k', {}, 'PutObject'],
    ['PUT', '/site/k', { 'x-amz-copy-source': '/site/j' }, 'CopyObject'],
    ['PUT', '/site/k?partNumber=1&uploadId=u', {}, 'UploadPart'],
    ['PUT', '/site/k?partNumber=1&uploadId=u', { 'x-amz-copy-source': '/site/j' }, 'UploadPartCopy'],
    ['GET', '/site/k', {}, 'GetObject'],
    ['GET', '/site/k?response-content-type=text/plain&X-Amz-Date=x', {}, 'GetObject'],
    ['GET', '/site/k?uploadId=u', {}, 'ListParts'],
    ['HEAD', '/site/k', {}, 'HeadObject'],
    ['DELETE', '/site/k', {}, 'DeleteObject'],
    ['DELETE', '/site/k?uploadId=u', {}, 'AbortMultipartUpload'],
    ['POST', '/site/k?uploads', {}, 'CreateMultipartUpload'],
    ['POST', '/site/k?uploadId=u', {}, 'CompleteMultipartUpload'],
  ])('%s %s %j is %s', (method, url, headers, expected) => {
    expect(op(method, url, headers)).toBe(expected);
  });

  it('answers subresources it does not offer with NotImplemented, wrong methods with MethodNotAllowed', () => {
    expect(() => op('GET', '/site?versioning')).toThrow(expect.objectContaining({ code: 'NotImplemented', status: 501 }));
    expect(() => op('PUT', '/site/k?tagging')).toThrow(expect.objectContaining({ code: 'NotImplemented' }));
    expect(() => op('POST', '/site/k')).toThrow(expect.objectContaining({ code: 'MethodNotAllowed', status: 405 }));
    expect(() => op('DELETE', '/')).toThrow(expect.objectContaining({ code: 'MethodNotAllowed' }));
  });
});
