import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRouter, type RunningRouter } from '../src/router/server.ts';
import { viewerAddress, viewerHeaders } from '../src/router/viewer-headers.ts';
import { parseTopology } from '../src/topology/load.ts';
import { startTestCluster, TEST_EDGES, testTopology, type TestCluster } from './helpers/test-cluster.ts';

/** An edge stand-in that answers every request with the request headers it received, as JSON. */
function startEchoEdge(): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-cache': 'MISS' });
    res.end(JSON.stringify(req.headers));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** GETs through the router with node:http, so the test knows the client's own port. */
function getHeaders(url: string, headers: Record<string, string>): Promise<{ seen: Record<string, string>; localPort: number }> {
  return new Promise((resolve, reject) => {
    let localPort = 0;
    const req = httpRequest(url, { headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ seen: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>, localPort }));
    });
    req.on('socket', (socket) => socket.on('connect', () => (localPort = socket.localPort ?? 0)));
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end();
  });
}

const viewerOnly = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('cloudfront-viewer-')));

describe('router: CloudFront-Viewer-* headers to the edge', () => {
  let edge: Server;
  let router: RunningRouter;
  beforeAll(async () => {
    edge = await startEchoEdge();
    const topology = parseTopology(testTopology({ edges: TEST_EDGES.slice(0, 1) }));
    topology.edges[0]!.port = (edge.address() as AddressInfo).port;
    router = await startRouter({ topology, port: 0, log: () => undefined });
  }, 20_000);
  afterAll(async () => {
    await router?.close();
    edge?.close();
  });

  it('gives the geoip facts of an address from X-Forwarded-For (port unknown: 0)', async () => {
    const { seen } = await getHeaders(`${router.url}/a`, { 'x-forwarded-for': '133.242.0.3' });
    expect(viewerOnly(seen)).toEqual({
      'cloudfront-viewer-country': 'JP',
      'cloudfront-viewer-address': '133.242.0.3:0',
      'cloudfront-viewer-city': 'Tokyo',
      'cloudfront-viewer-country-region': '13',
      'cloudfront-viewer-latitude': '35.68370',
      'cloudfront-viewer-longitude': '139.68050',
      'cloudfront-viewer-time-zone': 'Asia/Tokyo',
    });
  });

  it('writes an IPv6 address as CloudFront does: no brackets, the port after the last colon', async () => {
    const { seen } = await getHeaders(`${router.url}/b`, { 'x-forwarded-for': '2001:4860:4860:0:0:0:0:8888' });
    expect(seen['cloudfront-viewer-address']).toBe('2001:4860:4860::8888:0');
    expect(seen['cloudfront-viewer-country']).toBe('US');
    expect(seen['cloudfront-viewer-time-zone']).toBe('America/Chicago');
  });

  it('drops every CloudFront-Viewer-* header the client sent, whatever its location', async () => {
    const forged = {
      'CloudFront-Viewer-Country': 'US',
      'cloudfront-viewer-address': '6.6.6.6:1',
      'CloudFront-Viewer-City': 'Nowhere',
      'CloudFront-Viewer-ASN': '64512',
    };
    const chosen = await getHeaders(`${router.url}/c`, { ...forged, 'x-client-geo': 'JP' });
    expect(chosen.seen['cloudfront-viewer-country']).toBe('JP');
    expect(chosen.seen['cloudfront-viewer-city']).toBeUndefined();
    expect(chosen.seen['cloudfront-viewer-asn']).toBeUndefined();
    // A simulated location has no address of its own: the socket's, with its port, stands in.
    expect(chosen.seen['cloudfront-viewer-address']).toBe(`127.0.0.1:${chosen.localPort}`);
    const loopback = await getHeaders(`${router.url}/d`, forged);
    // Loopback has no location: no country, no coordinates, only the address it came from.
    expect(viewerOnly(loopback.seen)).toEqual({ 'cloudfront-viewer-address': `127.0.0.1:${loopback.localPort}` });
  });

  it('gives lat/lon and no country for X-Client-Geo coordinates', async () => {
    const { seen } = await getHeaders(`${router.url}/e`, { 'x-client-geo': '48.85,2.35' });
    expect(seen['cloudfront-viewer-latitude']).toBe('48.85000');
    expect(seen['cloudfront-viewer-longitude']).toBe('2.35000');
    expect(seen['cloudfront-viewer-country']).toBeUndefined();
  });
});

describe('viewer header values', () => {
  it('writes IPv4-mapped IPv6 as the IPv4 it is, and refuses what is not an address', () => {
    expect(viewerAddress('::ffff:192.0.2.7', 443)).toBe('192.0.2.7:443');
    expect(viewerAddress('2001:db8::1', 8080)).toBe('2001:db8::1:8080');
    expect(viewerAddress('not-an-ip', 1)).toBeUndefined();
  });

  it('gives the city, region and port of a socket-located client, percent-encoding a name outside ASCII', () => {
    const plain = viewerHeaders({ lat: 51.753, lon: -0.3256, country: 'GB', source: 'socket', address: '81.2.69.142' }, { address: '81.2.69.142', port: 5000 });
    expect(plain).toMatchObject({ 'cloudfront-viewer-city': 'St Albans', 'cloudfront-viewer-country-region': 'ENG', 'cloudfront-viewer-address': '81.2.69.142:5000' });
    // geoip-lite names this address's city São Paulo.
    const accented = viewerHeaders({ lat: -23.5, lon: -46.6, country: 'BR', source: 'x-forwarded-for', address: '143.107.45.12' }, { address: '127.0.0.1', port: 5000 });
    expect(accented['cloudfront-viewer-city']).toBe('S%C3%A3o Paulo');
    expect(accented['cloudfront-viewer-address']).toBe('143.107.45.12:0');
  });
});

describe('a function on a real edge reads what the router says of its viewer', () => {
  let cluster: TestCluster;
  const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-viewer-fn-'));
  beforeAll(async () => {
    // Answers at the edge with what it was told: CloudFront-Viewer-Country/-City and event.viewer.ip.
    const where = path.join(dir, 'where.js');
    writeFileSync(
      where,
      `function handler(event) {
  var h = event.request.headers;
  var read = function (name) { return h[name] ? h[name].value : '-'; };
  return { statusCode: 200, headers: { 'content-type': { value: 'text/plain' } }, body: read('cloudfront-viewer-country') + ' ' + read('cloudfront-viewer-city') + ' ' + event.viewer.ip };
}`,
    );
    const topology = { ...testTopology({ edges: TEST_EDGES.slice(0, 3) }), functions: [{ id: 'where', file: where, runtime: 'cloudfront-js', triggers: ['viewer-request'] }] };
    cluster = await startTestCluster(topology);
  }, 90_000);
  afterAll(async () => {
    await cluster?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (headers: Record<string, string>) => {
    const response = await request(`${cluster.routerUrl}/anything`, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
    return { status: response.statusCode, servedBy: response.headers['x-served-by'], text: await response.body.text() };
  };

  it('sees the country, city and address the router located, not what the client claims', async () => {
    expect(await ask({ 'x-forwarded-for': '133.242.0.3', 'cloudfront-viewer-country': 'US' })).toEqual({ status: 200, servedBy: 'nrt', text: 'JP Tokyo 133.242.0.3' });
    const forged = await ask({ 'cloudfront-viewer-country': 'US', 'cloudfront-viewer-address': '6.6.6.6:1' });
    expect(forged.text).toBe('- - 127.0.0.1');
  }, 30_000);
});
