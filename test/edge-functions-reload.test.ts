import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedChild } from '../src/supervisor/child.ts';
import { PROCESS_ADMIN_TOKEN, startProcess } from './helpers/processes.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

type Origin = Awaited<ReturnType<typeof startScriptedOrigin>>;

async function call(url: string, options: { method?: 'GET' | 'POST'; headers?: Record<string, string> } = {}) {
  const response = await request(url, { method: options.method ?? 'GET', headers: options.headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** A viewer-response function that names its version in a header. */
const tagged = (tag: string) => `function handler(event) {
  var response = event.response;
  response.headers['x-fn-version'] = { value: '${tag}' };
  return response;
}`;

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let dir: string;
let file: string;
let origin: Origin;
let edge: ManagedChild & { logs: string[] };
const admin = { authorization: `Bearer ${PROCESS_ADMIN_TOKEN}` };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdnsim-fn-reload-'));
  file = path.join(dir, 'headers.js');
  await writeFile(file, tagged('one'));
  origin = await startScriptedOrigin();
  origin.on('/page', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=300' }).end('page');
  });
  // A real `cdnsim edge` process with a function attached from the command line.
  edge = await startProcess('edge', 'reload', ['--origin', origin.url, '--function', `viewer-response=${file}`, '--function-runtime', 'cloudfront-js']);
}, 30_000);

afterAll(async () => {
  await edge?.stop();
  await origin?.close();
  await rm(dir, { recursive: true, force: true });
});

const version = async () => (JSON.parse((await call(`${edge.url}/_cdn/functions`)).text) as { functions: { id: string; version: number }[] }).functions[0]!;

describe('reloading a function without restarting the edge', () => {
  it('lists the function attached with --function', async () => {
    const listed = JSON.parse((await call(`${edge.url}/_cdn/functions`)).text);
    expect(listed).toEqual({ edge: 'reload', functions: [{ id: 'headers', runtime: 'cloudfront-js', triggers: ['viewer-response'], version: 1 }] });
    expect((await call(`${edge.url}/page`)).headers['x-fn-version']).toBe('one');
  });

  it('picks up an edited file by itself, as a new version, on hits as well', async () => {
    await call(`${edge.url}/page`);
    await writeFile(file, tagged('two'));
    const answer = await until('the edited function', () => call(`${edge.url}/page`), (response) => response.headers['x-fn-version'] === 'two');
    expect(answer.headers['x-cache']).toBe('HIT');
    expect((await version()).version).toBe(2);
  });

  it('picks up a file replaced by rename (as editors save)', async () => {
    const scratch = path.join(dir, 'headers.js.tmp');
    await writeFile(scratch, tagged('three'));
    await rename(scratch, file);
    await until('the renamed-in function', () => call(`${edge.url}/page`), (response) => response.headers['x-fn-version'] === 'three');
    expect((await version()).version).toBe(3);
  });

  it('reloads through POST /_cdn/functions/reload, with the admin token only', async () => {
    expect((await call(`${edge.url}/_cdn/functions/reload`, { method: 'POST' })).status).toBe(401);
    await writeFile(file, tagged('four'));
    const reloaded = await call(`${edge.url}/_cdn/functions/reload`, { method: 'POST', headers: admin });
    expect(reloaded.status).toBe(200);
    // The endpoint or the watcher, whichever came first, made version 4; never both.
    const results = JSON.parse(reloaded.text).results as { id: string; result: string; version: number }[];
    expect(results).toHaveLength(1);
    expect(results[0]!.version).toBe(4);
    expect((await call(`${edge.url}/page`)).headers['x-fn-version']).toBe('four');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await version()).version).toBe(4);
  });

  it('keeps the running version when the new file does not compile, and says why', async () => {
    await writeFile(file, 'function handler(event) { return event.response;');
    const refused = await call(`${edge.url}/_cdn/functions/reload`, { method: 'POST', headers: admin });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.text).results[0]).toMatchObject({ id: 'headers', result: 'failed', version: 4 });
    expect((await call(`${edge.url}/page`)).headers['x-fn-version']).toBe('four');
    await until('the log line', async () => edge.logs.join('\n'), (logs) => /function headers not reloaded, version 4 keeps running/.test(logs));
    const metrics = (await call(`${edge.url}/metrics`)).text;
    expect(metrics).toMatch(/cdn_edge_function_reloads_total\{edge="reload",function="headers",result="ok"\} 3/);
    expect(metrics).toMatch(/cdn_edge_function_reloads_total\{edge="reload",function="headers",result="failed"\} [1-9]/);
    // Fixed again: it runs.
    await writeFile(file, tagged('five'));
    await until('the fixed function', () => call(`${edge.url}/page`), (response) => response.headers['x-fn-version'] === 'five');
    expect((await version()).version).toBe(5);
  });
});
