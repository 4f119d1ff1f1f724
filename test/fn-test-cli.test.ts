import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fnCommand } from '../src/cli/commands/fn-test.ts';
import { UsageError } from '../src/cli/usage-error.ts';
import { cloudFrontFunctionsEvent } from '../src/functions/cloudfront-js/event.ts';
import { invocationFromEvent } from '../src/functions/event-input.ts';
import { failureAnswer } from '../src/functions/failures.ts';
import { lambdaEdgeEvent } from '../src/functions/lambda-node/event.ts';
import type { FunctionRequest, Invocation } from '../src/functions/types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-fn-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI, spawned (slow on a loaded machine: each start compiles the sources). */
function cdnsim(...args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/cdnsim.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const fnTest = (...args: string[]) => cdnsim('fn', 'test', ...args);

async function json(...args: string[]) {
  const ran = await fnTest(...args, '--json');
  expect(ran.stderr, ran.stderr).toBe('');
  return { status: ran.status, report: JSON.parse(ran.stdout) as Record<string, any> }; // any: the report is checked field by field below
}

function expectUsageError(ran: Ran, message: RegExp): void {
  expect(ran.status, ran.stdout).toBe(2);
  expect(ran.stderr.trim().split('\n')).toHaveLength(1);
  expect(ran.stderr).toMatch(message);
  expect(ran.stderr).not.toMatch(/\n\s+at /);
}

/** fnCommand in this process: a UsageError (what the CLI prints as one line, exit 2) saying `message`. */
async function expectRefused(args: string[], message: RegExp): Promise<void> {
  const error = await fnCommand(args).then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain('\n');
}

const TIMES = { coldStartMs: expect.any(Number), invocationMs: expect.any(Number) };

describe('cdnsim fn test, cloudfront-js', () => {
  const rewrite = write(
    'rewrite.js',
    `function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  request.headers['x-seen-country'] = { value: request.headers['cloudfront-viewer-country'] ? request.headers['cloudfront-viewer-country'].value : 'none' };
  return request;
}`,
  );
  const redirect = write(
    'redirect.js',
    `function handler(event) {
  if (event.request.headers['x-go']) return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: 'https://elsewhere.test' + event.request.uri } } };
  return event.request;
}`,
  );
  const event = write(
    'viewer-request.json',
    JSON.stringify({
      version: '1.0',
      context: { eventType: 'viewer-request' },
      viewer: { ip: '198.51.100.7' },
      request: {
        method: 'GET',
        uri: '/docs/',
        querystring: { a: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } },
        headers: { host: { value: 'example.test' }, 'cloudfront-viewer-country': { value: 'DE' } },
        cookies: { session: { value: 'abc' } },
      },
    }),
  );

  it('runs on an event in the CloudFront Functions shape and prints the request in that shape', async () => {
    const { status, report } = await json(rewrite, '--runtime', 'cloudfront-js', '--event', event);
    expect(status).toBe(0);
    expect(report).toMatchObject({ function: 'rewrite', runtime: 'cloudfront-js', trigger: 'viewer-request', kind: 'request', ...TIMES });
    expect(report.result).toEqual({
      method: 'GET',
      uri: '/docs/index.html',
      querystring: { a: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } },
      headers: { host: { value: 'example.test' }, 'cloudfront-viewer-country': { value: 'DE' }, 'x-seen-country': { value: 'DE' } },
      cookies: { session: { value: 'abc' } },
    });
  }, 90_000);

  it('builds the request from --url and --header, and shows a response generated at the edge', async () => {
    const { status, report } = await json(redirect, '--runtime', 'cloudfront-js', '--url', 'http://a.test/p?q=1', '--header', 'X-Go: yes');
    expect(status).toBe(0);
    expect(report.kind).toBe('response');
    expect(report.result).toMatchObject({ statusCode: 302, headers: { location: { value: 'https://elsewhere.test/p' } } });
  }, 90_000);

  it('prints the result and both times as text', async () => {
    const ran = await fnTest(rewrite, '--runtime', 'cloudfront-js', '--url', 'http://a.test/dir/');
    expect(ran.status).toBe(0);
    expect(ran.stdout).toMatch(/^rewrite \(cloudfront-js\) on viewer-request:\n/);
    expect(ran.stdout).toContain('"uri": "/dir/index.html"');
    expect(ran.stdout).toMatch(/\ncold start \d+\.\d{3} ms, invocation \d+\.\d{3} ms\n$/);
  }, 90_000);

  it('reads response cookies of a viewer-response event into Set-Cookie and writes them back', async () => {
    const headersFn = write(
      'security.js',
      `function handler(event) {
  var response = event.response;
  response.headers['strict-transport-security'] = { value: 'max-age=63072000' };
  return response;
}`,
    );
    const responseEvent = write(
      'viewer-response.json',
      JSON.stringify({
        version: '1.0',
        context: { eventType: 'viewer-response' },
        viewer: { ip: '198.51.100.7' },
        request: { method: 'GET', uri: '/', querystring: {}, headers: {}, cookies: {} },
        response: { statusCode: 200, headers: { 'content-type': { value: 'text/html' } }, cookies: { id: { value: '42', attributes: 'Path=/; Secure' } } },
      }),
    );
    const { status, report } = await json(headersFn, '--runtime', 'cloudfront-js', '--event', responseEvent);
    expect(status).toBe(0);
    expect(report.trigger).toBe('viewer-response');
    expect(report.result).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': { value: 'text/html' }, 'strict-transport-security': { value: 'max-age=63072000' } },
      cookies: { id: { value: '42', attributes: 'Path=/; Secure' } },
    });
  }, 90_000);

  it('a function that throws: the reason and the status CloudFront would answer, exit 1', async () => {
    const thrower = write('throws.js', `function handler(event) { throw new Error('boom at ' + event.request.uri); }`);
    const { status, report } = await json(thrower, '--runtime', 'cloudfront-js', '--url', 'http://a.test/x');
    expect(status).toBe(1);
    const answer = failureAnswer('cloudfront-js', 'error');
    expect(report.failure).toMatchObject({ reason: 'error', status: answer.status, xCache: answer.xCache });
    expect(report.failure.message).toContain('boom at /x');
    const text = await fnTest(thrower, '--runtime', 'cloudfront-js', '--url', 'http://a.test/x');
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`CloudFront would answer ${answer.status} with X-Cache: ${answer.xCache}`);
  }, 90_000);

  it('an infinite loop is stopped by the compute budget, exit 1', async () => {
    const loop = write('loop.js', 'function handler(event) { for (;;) {} }');
    const { status, report } = await json(loop, '--runtime', 'cloudfront-js', '--url', 'http://a.test/');
    expect(status).toBe(1);
    expect(report.failure).toMatchObject({ reason: 'timeout', status: failureAnswer('cloudfront-js', 'timeout').status });
  }, 90_000);
});

describe('cdnsim fn test, lambda-node', () => {
  const addHeader = write(
    'add-header.mjs',
    `export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-client'] = [{ key: 'X-Client', value: request.clientIp }];
  return request;
};`,
  );

  it('runs on a Lambda@Edge event and prints the request in that shape', async () => {
    const event = write(
      'lambda-viewer-request.json',
      JSON.stringify({
        Records: [
          {
            cf: {
              config: { distributionDomainName: 'fra.cdnsim.test', distributionId: 'FRA', eventType: 'viewer-request', requestId: 'r1' },
              request: { clientIp: '203.0.113.9', method: 'GET', uri: '/a', querystring: 'x=1', headers: { host: [{ key: 'Host', value: 'example.test' }] } },
            },
          },
        ],
      }),
    );
    const { status, report } = await json(addHeader, '--runtime', 'lambda-node', '--event', event);
    expect(status).toBe(0);
    expect(report).toMatchObject({ runtime: 'lambda-node', trigger: 'viewer-request', kind: 'request', ...TIMES });
    expect(report.result).toMatchObject({
      clientIp: '203.0.113.9',
      uri: '/a',
      querystring: 'x=1',
      headers: { host: [{ key: 'Host', value: 'example.test' }], 'x-client': [{ key: 'X-Client', value: '203.0.113.9' }] },
    });
  }, 90_000);

  it('runs an origin-response function on its event and prints the response', async () => {
    const cacheControl = write(
      'cache-control.mjs',
      `export const handler = async (event) => {
  const response = event.Records[0].cf.response;
  if (!response.headers['cache-control']) response.headers['cache-control'] = [{ key: 'Cache-Control', value: 'max-age=60' }];
  return response;
};`,
    );
    const event = write(
      'lambda-origin-response.json',
      JSON.stringify({
        Records: [
          {
            cf: {
              config: { eventType: 'origin-response' },
              request: { clientIp: '203.0.113.9', method: 'GET', uri: '/a', querystring: '', headers: {} },
              response: { status: '200', statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] } },
            },
          },
        ],
      }),
    );
    const { status, report } = await json(cacheControl, '--runtime', 'lambda-node', '--event', event);
    expect(status).toBe(0);
    expect(report.trigger).toBe('origin-response');
    expect(report.result).toMatchObject({ status: '200', headers: { 'cache-control': [{ key: 'Cache-Control', value: 'max-age=60' }] } });
  }, 90_000);

  it('a rejected handler: exit 1 with the reason and CloudFront\'s status', async () => {
    const rejects = write('rejects.mjs', `export const handler = async () => { throw new Error('lambda boom'); };`);
    const { status, report } = await json(rejects, '--runtime', 'lambda-node', '--url', 'http://a.test/');
    expect(status).toBe(1);
    const answer = failureAnswer('lambda-node', 'error');
    expect(report.failure).toMatchObject({ reason: 'error', status: answer.status, xCache: answer.xCache });
    expect(report.failure.message).toContain('lambda boom');
  }, 90_000);

  it('a handler over its time limit (--timeout-ms) fails as a timeout', async () => {
    const slow = write('slow.mjs', `export const handler = () => new Promise(() => {});`);
    const { status, report } = await json(slow, '--runtime', 'lambda-node', '--timeout-ms', '300', '--url', 'http://a.test/');
    expect(status).toBe(1);
    expect(report.failure).toMatchObject({ reason: 'timeout', status: failureAnswer('lambda-node', 'timeout').status });
  }, 90_000);
});

describe('cdnsim fn test, bad input (exit 2, one line)', () => {
  const ok = write('ok.js', 'function handler(event) { return event.request; }');

  it('spawned: exit 2 and one line for a missing subcommand and for a trigger the profile refuses', async () => {
    expectUsageError(await cdnsim('fn'), /fn takes a subcommand/);
    expectUsageError(await fnTest(ok, '--runtime', 'cloudfront-js', '--trigger', 'origin-request', '--url', 'http://a.test/'), /triggers\[0\]: cloudfront-js runs on viewer triggers only/);
  }, 120_000);

  // The same checks in process (the spawned cases above show how a UsageError reaches the shell).
  it.each([
    [['tset'], /unknown subcommand 'fn tset'.*did you mean/i],
    [['test', ok], /--runtime is required/],
    [['test', ok, '--runtime', 'cloudfront-js'], /give --event EVENT\.json .* or --url URL/],
    [['test', ok, '--runtime', 'quickjs', '--url', 'http://a.test/'], /--runtime must be cloudfront-js or lambda-node/],
    [['test', ok, '--runtime', 'cloudfront-js', '--url', 'not a url'], /not an absolute URL/],
    [['test', ok, '--runtime', 'cloudfront-js', '--url', 'http://a.test/', '--header', 'no colon'], /must be 'Name: value'/],
    [['test', ok, '--runtime', 'cloudfront-js', '--url', 'http://a.test/', '--event', ok], /--event or --url, not both/],
    [['test', ok, '--runtime', 'cloudfront-js', '--event', ok, '--header', 'a: b'], /--header goes with --url/],
    [['test', ok, '--runtime', 'lambda-node', '--trigger', 'viewer-response', '--url', 'http://a.test/'], /viewer-response test needs a response/],
    [['test', path.join(dir, 'missing.js'), '--runtime', 'cloudfront-js', '--url', 'http://a.test/'], /no such file/],
  ])('cdnsim fn %j', async (args, message) => {
    await expectRefused(args, message);
  }, 30_000);

  it('an event that is not JSON, or not the profile\'s shape, names the file and the JSON path', async () => {
    const notJson = write('not.json', '{ nope');
    expectUsageError(await cdnsim('fn', 'test', ok, '--runtime', 'cloudfront-js', '--event', notJson), /--event .*not\.json: not JSON/);
    const noUri = write('no-uri.json', JSON.stringify({ version: '1.0', context: { eventType: 'viewer-request' }, request: { method: 'GET', headers: {} } }));
    await expectRefused(['test', ok, '--runtime', 'cloudfront-js', '--event', noUri], /request\.uri must be a string \(a cloudfront-js event\)/);
    const disagrees = write('disagrees.json', JSON.stringify({ context: { eventType: 'viewer-response' }, request: { uri: '/' } }));
    await expectRefused(['test', ok, '--runtime', 'cloudfront-js', '--trigger', 'viewer-request', '--event', disagrees], /context\.eventType is viewer-response but --trigger is viewer-request/);
    const lambdaBad = write('lambda-bad.json', JSON.stringify({ Records: [{ cf: { request: { uri: '/', headers: { Host: [{ value: 'x' }] } } } }] }));
    await expectRefused(['test', ok, '--runtime', 'lambda-node', '--event', lambdaBad], /Records\[0\]\.cf\.request\.headers: header name "Host" must be lowercase/);
  }, 150_000);

  it('a source that does not compile is refused before running, as validate refuses it', async () => {
    const broken = write('broken.js', 'function handler(event) { return event.request');
    const ran = await cdnsim('fn', 'test', broken, '--runtime', 'cloudfront-js', '--url', 'http://a.test/');
    expectUsageError(ran, /broken\.js: file: /);
  }, 90_000);
});

describe('event input: the reverse of each profile\'s event builder', () => {
  const request: FunctionRequest = {
    method: 'POST',
    uri: '/cart/add',
    querystring: 'item=42&item=43&flag',
    headers: { host: ['shop.test'], accept: ['text/html', 'application/json'], cookie: ['session=abc; ab=B'] },
    clientIp: '2001:db8::7',
  };
  const response = { status: 404, statusDescription: 'Not Found', headers: { 'content-type': ['text/plain'], 'set-cookie': ['seen=1; Path=/', 'seen=2; Path=/cart'] } };
  const context = { edgeId: 'fra', requestId: 'req-1' };

  it.each<Invocation>([
    { trigger: 'viewer-request', request, context },
    { trigger: 'viewer-response', request, response, context },
  ])('cloudfront-js $trigger: event -> invocation gives back the invocation', (invocation) => {
    expect(invocationFromEvent('cloudfront-js', JSON.parse(JSON.stringify(cloudFrontFunctionsEvent(invocation))))).toEqual(invocation);
  });

  const origin = { domainName: 'origin.test', port: 8080, protocol: 'http' as const, path: '/v2' };
  it.each<Invocation>([
    { trigger: 'viewer-request', request, context },
    { trigger: 'origin-request', request: { ...request, origin }, context },
    { trigger: 'origin-response', request: { ...request, origin }, response, context },
    { trigger: 'viewer-response', request, response, context },
  ])('lambda-node $trigger: event -> invocation gives back the invocation', (invocation) => {
    expect(invocationFromEvent('lambda-node', JSON.parse(JSON.stringify(lambdaEdgeEvent(invocation))))).toEqual(invocation);
  });
});
