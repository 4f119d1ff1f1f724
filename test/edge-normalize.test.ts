import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_ADMIN_TOKEN, startProcess } from './helpers/processes.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

/**
 * The edge keys, forwards and purges by one spelling of each path (RFC 3986 section 6.2.2), so a
 * purged object cannot live on under `/a/../b` or `/%62`, and the origin never sees a spelling
 * the cache did not key on. Paths stay case-sensitive: `/NORM/B` is another resource.
 */

let origin: Awaited<ReturnType<typeof startScriptedOrigin>>;
let edge: Awaited<ReturnType<typeof startProcess>>;

beforeAll(async () => {
  origin = await startScriptedOrigin();
  for (const path of ['/norm/b', '/NORM/B']) {
    origin.on(path, (req, res) => {
      const body = `${req.url} #${origin.count(path)}`;
      res.writeHead(200, { 'cache-control': 'public, max-age=600', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  }
  edge = await startProcess('edge', 'norm', ['--origin', origin.url]);
});
afterAll(async () => {
  await edge?.stop();
  await origin?.close();
});

/** Sends the target byte for byte: fetch() and undici would normalise it themselves. */
function rawGet(target: string): Promise<{ status: number; xCache: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(edge.url).port), '127.0.0.1');
    let data = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), xCache: /\r\nx-cache: (\w+)/i.exec(head)?.[1], body });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n`);
  });
}

async function purge(body: object): Promise<number> {
  const response = await request(`${edge.url}/_cdn/purge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PROCESS_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return ((await response.body.json()) as { total: number }).total;
}

describe('one spelling per path', () => {
  it('serves every spelling of a path from one entry, fetched once under its normal form', async () => {
    expect(await rawGet('/norm/b')).toMatchObject({ status: 200, xCache: 'MISS', body: '/norm/b #1' });
    for (const spelling of ['/norm/a/../b', '/norm/./b', '/%6eorm/b', '/x/../norm/b', 'http://other.example/norm/b']) {
      expect(await rawGet(spelling), spelling).toMatchObject({ status: 200, xCache: 'HIT', body: '/norm/b #1' });
    }
    expect(origin.seen.filter((seen) => seen.url !== '/norm/b' && seen.url.toLowerCase().includes('norm'))).toEqual([]);
  });

  it('keeps case: /NORM/B is its own object', async () => {
    expect(await rawGet('/NORM/B')).toMatchObject({ status: 200, xCache: 'MISS', body: '/NORM/B #1' });
  });

  it('purges by any spelling, so no other spelling keeps the object alive', async () => {
    await rawGet('/norm/b');
    expect(await purge({ paths: ['/norm/a/../b'] })).toBe(1);
    expect(await rawGet('/norm/./b')).toMatchObject({ xCache: 'MISS', body: '/norm/b #2' });
    expect(await purge({ prefixes: ['/x/../norm/'] })).toBe(1);
    expect((await rawGet('/norm/b')).xCache).toBe('MISS');
    expect((await rawGet('/NORM/B')).xCache).toBe('HIT');
  });

  it('answers 400 to a target that is not a path or has a broken percent-encoding', async () => {
    expect((await rawGet('/bad%zz')).status).toBe(400);
    expect((await rawGet('*')).status).toBe(400);
  });
});
