import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLocationResolver, parseClientGeo } from '../src/routing/client-location.ts';
import { EdgeTable } from '../src/routing/edge-table.ts';
import { HealthChecker } from '../src/router/health-checker.ts';

const NEW_YORK = { lat: 40.7128, lon: -74.006 };

function fakeRequest(peer: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe('client location', () => {
  const locate = createLocationResolver({ trustedProxies: ['127.0.0.0/8', '::1/128', '10.0.0.0/8'], defaultLocation: NEW_YORK });

  it('believes X-Client-Geo, the cookie and X-Forwarded-For from a trusted peer, in that order', () => {
    expect(locate(fakeRequest('127.0.0.1', { 'x-client-geo': 'JP', 'x-forwarded-for': '193.99.144.80' }))).toMatchObject({ country: 'JP', source: 'x-client-geo' });
    expect(locate(fakeRequest('::1', { cookie: 'a=b; cdnsim_geo=-33.9%2C151.2', 'x-forwarded-for': '193.99.144.80' }))).toMatchObject({ lat: -33.9, lon: 151.2, source: 'cookie' });
    expect(locate(fakeRequest('::ffff:127.0.0.1', { 'x-forwarded-for': '193.99.144.80' }))).toMatchObject({ country: 'DE', source: 'x-forwarded-for' });
  });

  it('takes the left-most X-Forwarded-For address that is not a trusted proxy', () => {
    const found = locate(fakeRequest('10.1.2.3', { 'x-forwarded-for': '10.9.9.9, 133.242.0.3, 193.99.144.80, 127.0.0.1' }));
    expect(found).toMatchObject({ country: 'JP', address: '133.242.0.3' });
    expect(locate(fakeRequest('127.0.0.1', { 'x-forwarded-for': '[2001:4860:4860::8888]:443' })).source).toBe('x-forwarded-for');
    expect(locate(fakeRequest('127.0.0.1', { 'x-forwarded-for': '8.8.8.8:1234' })).country).toBe('US');
  });

  it('ignores every header from an untrusted peer and locates its socket address', () => {
    const found = locate(fakeRequest('193.99.144.80', { 'x-client-geo': 'JP', 'x-forwarded-for': '133.242.0.3', cookie: 'cdnsim_geo=AU' }));
    expect(found).toMatchObject({ country: 'DE', source: 'socket' });
  });

  it.each([
    ['a private socket address', fakeRequest('192.168.1.10')],
    ['loopback with no headers', fakeRequest('127.0.0.1')],
    ['an address geoip does not place', fakeRequest('127.0.0.1', { 'x-forwarded-for': '1.1.1.1' })],
    ['a malformed X-Forwarded-For', fakeRequest('127.0.0.1', { 'x-forwarded-for': 'not-an-ip, 999.1.1.1, ,' })],
    ['an unknown country code', fakeRequest('127.0.0.1', { 'x-client-geo': 'ZZ' })],
    ['coordinates out of range', fakeRequest('127.0.0.1', { 'x-client-geo': '91,200' })],
    ['a malformed cookie', fakeRequest('127.0.0.1', { cookie: 'cdnsim_geo=%E0%A4%A' })],
  ])('falls back to the default location for %s', (_label, req) => {
    expect(locate(req)).toMatchObject({ ...NEW_YORK, country: 'unknown', source: 'default' });
  });

  it('parses country codes and "lat,lon"', () => {
    expect(parseClientGeo('br')).toMatchObject({ country: 'BR' });
    expect(parseClientGeo(' 35.68 , 139.69 ')).toMatchObject({ lat: 35.68, lon: 139.69 });
    expect(parseClientGeo('35.68;139.69')).toBeUndefined();
  });
});

const edges = [
  { id: 'iad', city: 'Ashburn', region: 'na', lat: 39.04, lon: -77.49, port: 1, maxSize: 1, weight: 1 },
  { id: 'fra', city: 'Frankfurt', region: 'eu', lat: 50.11, lon: 8.68, port: 2, maxSize: 1, weight: 1 },
  { id: 'fra2', city: 'Frankfurt', region: 'eu', lat: 50.11, lon: 8.68, port: 3, maxSize: 1, weight: 1 },
  { id: 'nrt', city: 'Tokyo', region: 'ap', lat: 35.68, lon: 139.65, port: 4, maxSize: 1, weight: 1 },
];

describe('edge choice', () => {
  it('picks the nearest healthy edge, breaking ties by topology order', () => {
    const table = new EdgeTable(edges, '127.0.0.1');
    expect(table.nearestHealthy({ lat: 48.85, lon: 2.35 })?.id).toBe('fra');
    table.edges[1]!.healthy = false;
    expect(table.nearestHealthy({ lat: 48.85, lon: 2.35 })?.id).toBe('fra2');
    expect(table.nearestHealthy({ lat: 48.85, lon: 2.35 }, table.edges[2])?.id).toBe('iad');
    for (const edge of table.edges) edge.healthy = false;
    expect(table.nearestHealthy({ lat: 48.85, lon: 2.35 })).toBeUndefined();
  });

  it('divides distances by an edge\'s weight', () => {
    // Paris is ~480 km from Frankfurt and ~5,900 km from Ashburn.
    const heavy = new EdgeTable(edges.map((edge) => (edge.id === 'iad' ? { ...edge, weight: 20 } : edge)), '127.0.0.1');
    expect(heavy.nearestHealthy({ lat: 48.85, lon: 2.35 })?.id).toBe('iad');
  });
});

describe('health checker', () => {
  it('flips an edge only after the configured streak of failures or successes', () => {
    const table = new EdgeTable(edges, '127.0.0.1');
    const changes: string[] = [];
    const checker = new HealthChecker(table.edges, { intervalMs: 1000, timeoutMs: 100, unhealthyThreshold: 2, healthyThreshold: 3 }, (edge) =>
      changes.push(`${edge.id}:${edge.healthy ? 'up' : 'down'}`),
    );
    const fra = table.edges[1]!;
    checker.record(fra, false);
    expect(fra.healthy).toBe(true);
    checker.record(fra, true);
    checker.record(fra, false);
    checker.record(fra, false);
    expect(fra.healthy).toBe(false);
    checker.record(fra, true);
    checker.record(fra, true);
    expect(fra.healthy).toBe(false);
    checker.record(fra, true);
    expect(fra.healthy).toBe(true);
    checker.markDown(fra);
    expect(changes).toEqual(['fra:down', 'fra:up', 'fra:down']);
  });
});
