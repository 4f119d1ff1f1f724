import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess } from './helpers/processes.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

type Origin = Awaited<ReturnType<typeof startScriptedOrigin>>;
type Edge = Awaited<ReturnType<typeof startProcess>>;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 8_000, bodyTimeout: 8_000 });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, text: body.toString() };
}

let origin: Origin;
let edge: Edge;
let edgePid: number | undefined;

beforeAll(async () => {
  origin = await startScriptedOrigin();
  edge = await startProcess('edge', 'quirks', ['--origin', origin.url, '--origin-timeout-ms', '1000']);
  edgePid = edge.pid;
});
afterAll(async () => {
  await edge?.stop();
  await origin?.close();
});

/** The edge is the same process as at the start, never restarted, and still answers. */
async function expectEdgeStillUp(): Promise<void> {
  expect(edge.logs.filter((line) => /exited unexpectedly/.test(line))).toEqual([]);
  expect(edge.pid).toBe(edgePid);
  expect((await get(`${edge.url}/_cdn/health`)).status).toBe(200);
}

describe('background refresh (stale-while-revalidate) answered with something unstorable', () => {
  for (const [name, answer] of [
    ['a 500', (res: import('node:http').ServerResponse) => res.writeHead(500).end('broken')],
    ['a 404 without caching headers', (res: import('node:http').ServerResponse) => res.writeHead(404).end('gone')],
    ['no-store', (res: import('node:http').ServerResponse) => res.writeHead(200, { 'cache-control': 'no-store' }).end('private now')],
  ] as const) {
    it(`survives ${name}`, async () => {
      const path = `/swr-${name.replace(/\W+/g, '-')}`;
      let calls = 0;
      origin.on(path, (_req, res) => {
        if (++calls === 1) res.writeHead(200, { 'cache-control': 'public, max-age=1, stale-while-revalidate=600' }).end('v1');
        else answer(res);
      });
      expect((await get(`${edge.url}${path}`)).headers['x-cache']).toBe('MISS');
      await sleep(1500);
      const stale = await get(`${edge.url}${path}`);
      expect(stale.headers['x-cache']).toBe('STALE');
      await sleep(300);
      expect(calls).toBe(2);
      await expectEdgeStillUp();
    });
  }
});
