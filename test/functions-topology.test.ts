import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTopology } from '../src/topology/load.ts';
import { startTestCluster, testTopology, TEST_EDGES } from './helpers/test-cluster.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-fn-topology-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cdnsim(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/cdnsim.js', ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const VIEWER_OK = 'function handler(event) { return event.request; }';
const LAMBDA_OK = 'export const handler = async (event) => event.Records[0].cf.request;';
const EDGES = TEST_EDGES.slice(0, 2);

/** A topology (two edges) with these functions, and the function files beside it. */
function topologyWith(name: string, functions: object[], files: Record<string, string> = {}): string {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  for (const [file, source] of Object.entries(files)) writeFileSync(path.join(folder, file), source);
  const topology = { ...testTopology({ edges: EDGES }), functions };
  const file = path.join(folder, 'topology.json');
  writeFileSync(file, JSON.stringify(topology));
  return file;
}

const viewer = (file: string, runtime = 'cloudfront-js', triggers = ['viewer-request']) => ({ id: 'fn', file, runtime, triggers });

describe('cdnsim validate with functions', () => {
  const cases: { name: string; functions: object[]; files: Record<string, string>; path: string; message: RegExp }[] = [
    { name: 'unparseable cloudfront-js', functions: [viewer('bad.js')], files: { 'bad.js': 'function handler(event) { return event.request;' }, path: 'functions[0].file', message: /./ },
    { name: 'unparseable lambda-node', functions: [viewer('bad.mjs', 'lambda-node')], files: { 'bad.mjs': 'export const handler = async (event) => {' }, path: 'functions[0].file', message: /./ },
    {
      name: 'cloudfront-js over 10 KB',
      functions: [viewer('big.js')],
      files: { 'big.js': `${VIEWER_OK}\n// ${'x'.repeat(10 * 1024)}` },
      path: 'functions[0].file',
      message: /10 KB/,
    },
    {
      name: 'cloudfront-js on an origin trigger',
      functions: [viewer('ok.js', 'cloudfront-js', ['viewer-request', 'origin-request'])],
      files: { 'ok.js': VIEWER_OK },
      path: 'functions[0].triggers[1]',
      message: /cloudfront-js runs on viewer triggers only/,
    },
    { name: 'cloudfront-js handler not a function', functions: [viewer('num.js')], files: { 'num.js': 'var handler = 5;' }, path: 'functions[0].file', message: /handler/ },
    { name: 'lambda-node handler not a function', functions: [viewer('num.mjs', 'lambda-node')], files: { 'num.mjs': 'export const handler = 5;' }, path: 'functions[0].file', message: /handler/ },
    { name: 'missing file', functions: [viewer('nowhere.js')], files: {}, path: 'functions[0].file', message: /no such file/ },
    {
      name: 'two functions on one trigger of an edge',
      functions: [viewer('ok.js'), { ...viewer('ok.js'), id: 'other', edges: [EDGES[1]!.id] }],
      files: { 'ok.js': VIEWER_OK },
      path: 'functions[1].triggers[0]',
      message: /already runs function "fn" on viewer-request/,
    },
    { name: 'an unknown edge', functions: [{ ...viewer('ok.js'), edges: ['nowhere'] }], files: { 'ok.js': VIEWER_OK }, path: 'functions[0].edges[0]', message: /no edge has id "nowhere"/ },
  ];

  it('exits 2 naming the JSON path for each kind of bad function', async () => {
    // Three at a time: each is a node process compiling in a sandbox, on a machine others share.
    const results: { entry: (typeof cases)[number]; result: Awaited<ReturnType<typeof cdnsim>> }[] = [];
    for (let start = 0; start < cases.length; start += 3) {
      const batch = cases.slice(start, start + 3);
      results.push(...(await Promise.all(batch.map(async (entry, index) => ({ entry, result: await cdnsim('validate', topologyWith(`case${start + index}`, entry.functions, entry.files)) })))));
    }
    for (const { entry, result } of results) {
      expect(result.status, `${entry.name}: ${result.stderr}`).toBe(2);
      expect(result.stderr, entry.name).toContain(`: ${entry.path}: `);
      expect(result.stderr, entry.name).toMatch(entry.message);
      expect(result.stderr, entry.name).not.toMatch(/\n\s+at /);
    }
  }, 200_000);

  it('accepts good functions of both profiles', async () => {
    const file = topologyWith('good', [viewer('ok.js'), { id: 'origin-fn', file: 'ok.mjs', runtime: 'lambda-node', triggers: ['origin-request', 'origin-response'] }], {
      'ok.js': VIEWER_OK,
      'ok.mjs': LAMBDA_OK,
    });
    const result = await cdnsim('validate', file);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ok \(2 edges, origin: built-in store, 2 functions\)/);
  }, 60_000);

  it('shows --function in cdnsim edge --help', async () => {
    const help = await cdnsim('edge', '--help');
    expect(help.stdout).toMatch(/--function TRIGGER=FILE/);
    expect(help.stdout).toMatch(/--function-runtime NAME/);
  }, 60_000);
});

describe('the functions section of a topology', () => {
  const base = testTopology({ edges: EDGES });
  it('defaults to none and refuses lambda-node time limits over the published ones', () => {
    expect(parseTopology(base).functions).toEqual([]);
    expect(() => parseTopology({ ...base, functions: [{ ...viewer('a.mjs', 'lambda-node'), viewerTimeoutMs: 6_000 }] })).toThrow(/functions\[0\]\.viewerTimeoutMs/);
    expect(() => parseTopology({ ...base, functions: [{ ...viewer('a.js'), originTimeoutMs: 100 }] })).toThrow(/functions\[0\]\.originTimeoutMs: lambda-node only/);
    expect(() => parseTopology({ ...base, functions: [{ ...viewer('a.js'), trigger: 'viewer-request' }] })).toThrow(/functions\[0\]\.trigger: unknown key/);
  });

  it('refuses cloudfront-js and lambda-node on the viewer triggers of one edge, as CloudFront does, and allows them apart', () => {
    const mixed = [viewer('a.js'), { id: 'lam', file: 'b.mjs', runtime: 'lambda-node', triggers: ['viewer-response'] }];
    expect(() => parseTopology({ ...base, functions: mixed })).toThrow(/functions\[1\]\.triggers\[0\]: edge iad runs cloudfront-js function "fn" on a viewer trigger/);
    const apart = [viewer('a.js'), { id: 'lam', file: 'b.mjs', runtime: 'lambda-node', triggers: ['origin-request', 'origin-response'] }];
    expect(parseTopology({ ...base, functions: apart }).functions).toHaveLength(2);
  });
});

describe('a cluster with functions', () => {
  it('starts each edge with its functions, which answer through the router', async () => {
    const folder = path.join(dir, 'cluster-fn');
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'hello.js');
    writeFileSync(
      file,
      `function handler(event) {
  if (event.request.uri === '/hello') return { statusCode: 200, statusDescription: 'OK', headers: { 'content-type': { value: 'text/plain' } }, body: 'hello from ' + event.context.distributionDomainName };
  return event.request;
}`,
    );
    const cluster = await startTestCluster({ ...testTopology({ edges: EDGES }), functions: [{ id: 'hello', file, runtime: 'cloudfront-js', triggers: ['viewer-request'] }] });
    try {
      const response = await request(`${cluster.routerUrl}/hello`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-cache']).toBe('FunctionGeneratedResponse');
      expect(await response.body.text()).toMatch(/^hello from /);
      for (const edge of cluster.members.filter((member) => member.role === 'edge')) {
        const listed = await request(`${edge.url}/_cdn/functions`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
        expect(JSON.parse(await listed.body.text()).functions).toEqual([{ id: 'hello', runtime: 'cloudfront-js', triggers: ['viewer-request'], version: 1 }]);
      }
    } finally {
      await cluster.dispose();
    }
  }, 60_000);
});
