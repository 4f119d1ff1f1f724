import { execFileSync, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket, { type DecodedPacket, type StringAnswer } from 'dns-packet';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSubnetFor } from '../src/dns/client-subnet.ts';
import { listenDns, type DnsListener } from '../src/dns/dns-listener.ts';
import { DnsResolver } from '../src/loadgen/dns-resolver.ts';
import { createDnsResponder } from '../src/router/dns-responder.ts';
import { createClientLocator } from '../src/routing/client-location.ts';
import { EdgeTable } from '../src/routing/edge-table.ts';
import { CountryAddressSampler } from '../src/workload/country-addresses.ts';
import { createRandom } from '../src/workload/random.ts';
import { startTestCluster, testTopology, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';

const HOSTNAME = 'cdn.cdnsim.test';
/** Addresses of the edges in these tests: their own block, apart from the default topology's 127.0.1.N. */
const edgeHost = (index: number) => `127.0.3.${index + 1}`;

/** Sends one UDP datagram and resolves with the reply, or null when none comes within `ms`. */
function udpExchange(port: number, message: Buffer, ms = 500): Promise<Buffer | null> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.close();
      resolve(null);
    }, ms);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.send(message, port, '127.0.0.1');
  });
}

function query(name: string, options: { type?: 'A' | 'AAAA' | 'TXT'; subnet?: Buffer; id?: number } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: options.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: options.type ?? 'A', name }],
    additionals: [
      // A raw ECS payload: the typings want decoded fields, dns-packet encodes `data` as given.
      { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: options.subnet ? ([{ code: 8, data: options.subnet }] as never) : [] },
    ],
  });
}

const rcodeOf = (reply: Buffer) => reply.readUInt16BE(2) & 0xf;
const addressOf = (packet: DecodedPacket) => (packet.answers ?? []).find((record): record is StringAnswer => record.type === 'A')?.data;

describe('DNS server: answers, trust and malformed messages', () => {
  let server: DnsListener;
  let untrusted: DnsListener;
  const table = new EdgeTable(
    TEST_EDGES.map((edge, index) => ({ ...edge, host: edgeHost(index), port: 8100, weight: 1, maxSize: 1 })),
    '127.0.0.1',
  );
  const responder = (trustedProxies: string[]) =>
    createDnsResponder({
      dns: { hostname: HOSTNAME, ttl: 30, port: 0 },
      table,
      locate: createClientLocator({ trustedProxies, defaultLocation: { lat: 40.7128, lon: -74.006 } }),
    });
  beforeAll(async () => {
    server = await listenDns({ host: '127.0.0.1', port: 0, answer: responder(['127.0.0.0/8']) });
    untrusted = await listenDns({ host: '127.0.0.1', port: 0, answer: responder(['10.0.0.0/8']) });
  });
  afterAll(async () => {
    await server?.close();
    await untrusted?.close();
  });

  it('answers A for the hostname with the nearest edge to the ECS subnet, the TTL and the subnet echoed with its scope', async () => {
    const reply = await udpExchange(server.port, query(HOSTNAME, { subnet: clientSubnetFor('133.242.0.3', 24) }));
    const packet = dnsPacket.decode(reply!);
    expect(rcodeOf(reply!)).toBe(0);
    expect(packet.flag_aa).toBe(true);
    const answer = packet.answers!.find((record): record is StringAnswer => record.type === 'A')!;
    expect(answer).toMatchObject({ name: HOSTNAME, ttl: 30, data: edgeHost(2) }); // nrt
    const opt = packet.additionals!.find((record) => record.type === 'OPT') as { options: { code: number; data: Buffer }[] };
    expect([...opt.options[0]!.data]).toEqual([0, 1, 24, 24, 133, 242, 0]);
  });

  it('believes ECS only from a trusted peer, as X-Forwarded-For; otherwise the resolver address decides and the scope is 0', async () => {
    const reply = await udpExchange(untrusted.port, query(HOSTNAME, { subnet: clientSubnetFor('133.242.0.3', 24) }));
    const packet = dnsPacket.decode(reply!);
    // Loopback has no location: the default location (New York) is nearest to iad.
    expect(addressOf(packet)).toBe(edgeHost(0));
    const opt = packet.additionals!.find((record) => record.type === 'OPT') as { options: { data: Buffer }[] };
    expect(opt.options[0]!.data[3]).toBe(0);
  });

  it('says NXDOMAIN for other names in the zone, REFUSED outside it, and no data for other types', async () => {
    expect(rcodeOf((await udpExchange(server.port, query(`www.${HOSTNAME}`)))!)).toBe(3);
    expect(rcodeOf((await udpExchange(server.port, query('example.com')))!)).toBe(5);
    const txt = dnsPacket.decode((await udpExchange(server.port, query(HOSTNAME, { type: 'TXT' })))!);
    expect(txt.answers).toEqual([]);
    expect(txt.authorities![0]!.type).toBe('SOA');
    // The edges have IPv4 addresses: an AAAA question has no data, not an error.
    const aaaa = await udpExchange(server.port, query(HOSTNAME, { type: 'AAAA' }));
    expect(rcodeOf(aaaa!)).toBe(0);
    expect(dnsPacket.decode(aaaa!).answers).toEqual([]);
  });

  it('answers FORMERR or drops malformed messages (truncated, wrong counts, huge, bad ECS) and keeps answering', async () => {
    const good = query(HOSTNAME);
    const withCount = (offset: number, count: number) => {
      const copy = Buffer.from(good);
      copy.writeUInt16BE(count, offset);
      return copy;
    };
    const formerr = [
      good.subarray(0, 20), // cut inside the question's name
      good.subarray(0, good.length - 3), // cut inside the OPT record
      withCount(4, 2), // two questions announced, one present
      withCount(4, 0), // no question
      withCount(6, 1), // an answer announced in a query, none present
      withCount(10, 0), // the OPT record becomes trailing bytes
      withCount(10, 65535),
      Buffer.concat([good, Buffer.alloc(40)]), // trailing garbage
      query(HOSTNAME, { subnet: Buffer.from([0, 3, 24, 0, 1, 2, 3]) }), // family 3
      query(HOSTNAME, { subnet: Buffer.from([0, 1, 33, 0, 1, 2, 3, 4, 5]) }), // prefix past 32 bits
      query(HOSTNAME, { subnet: Buffer.from([0, 1, 24, 0, 1, 2]) }), // 2 address bytes for a /24
      query(HOSTNAME, { subnet: Buffer.from([0, 1, 20, 0, 1, 2, 255]) }), // bits past the /20
      query(HOSTNAME, { subnet: Buffer.from([0, 1, 24, 8, 1, 2, 3]) }), // a scope in a query
      query(HOSTNAME, { subnet: Buffer.from([0, 1]) }), // shorter than an ECS option
    ];
    for (const message of formerr) {
      const reply = await udpExchange(server.port, message);
      expect(reply, `a reply to ${message.toString('hex')}`).not.toBeNull();
      expect(reply!.readUInt16BE(0)).toBe(4242);
      expect(rcodeOf(reply!), message.toString('hex')).toBe(1);
    }
    const dropped = [
      Buffer.from([1, 2, 3, 4, 5]), // no room for a header
      Buffer.alloc(0),
      Buffer.concat([good, Buffer.alloc(5000)]), // huge
      Buffer.alloc(60_000, 0xc0),
      (() => {
        const response = Buffer.from(good);
        response[2] = response[2]! | 0x80; // a response: answering it could loop two servers
        return response;
      })(),
    ];
    for (const message of dropped) expect(await udpExchange(server.port, message, 300)).toBeNull();
    const version1 = Buffer.from(good);
    version1[version1.length - 5] = 1; // EDNS version byte of the OPT record
    const badvers = dnsPacket.decode((await udpExchange(server.port, version1))!) as DecodedPacket & { additionals: { extendedRcode?: number }[] };
    expect(badvers.additionals[0]!.extendedRcode).toBe(1); // BADVERS = 16
    expect(addressOf(dnsPacket.decode((await udpExchange(server.port, good))!))).toBe(edgeHost(0));
  });

  it('serves TCP: length-framed messages, two in one segment or one split across segments; a bad length closes the connection', async () => {
    const frame = (message: Buffer) => Buffer.concat([Buffer.from([message.length >> 8, message.length & 255]), message]);
    const exchange = (chunks: Buffer[], replies: number) =>
      new Promise<{ replies: Buffer[]; closed: boolean }>((resolve) => {
        const socket = connect(server.port, '127.0.0.1');
        let received = Buffer.alloc(0);
        const done = (closed: boolean) => {
          const out: Buffer[] = [];
          let rest = received;
          while (rest.length >= 2 && rest.length >= 2 + rest.readUInt16BE(0)) {
            out.push(rest.subarray(2, 2 + rest.readUInt16BE(0)));
            rest = rest.subarray(2 + rest.readUInt16BE(0));
          }
          socket.destroy();
          resolve({ replies: out, closed });
        };
        socket.on('data', (chunk) => {
          received = Buffer.concat([received, chunk]);
          if (replies > 0 && received.length > 0) {
            let count = 0;
            let rest = received;
            while (rest.length >= 2 && rest.length >= 2 + rest.readUInt16BE(0)) {
              count++;
              rest = rest.subarray(2 + rest.readUInt16BE(0));
            }
            if (count >= replies) done(false);
          }
        });
        socket.on('close', () => done(true));
        socket.on('error', () => undefined);
        setTimeout(() => done(false), 1_500);
        socket.on('connect', async () => {
          for (const chunk of chunks) {
            socket.write(chunk);
            await sleep(20);
          }
        });
      });
    const two = Buffer.concat([frame(query(HOSTNAME, { id: 1 })), frame(query(HOSTNAME, { id: 2 }))]);
    const together = await exchange([two], 2);
    expect(together.replies.map((reply) => reply.readUInt16BE(0))).toEqual([1, 2]);
    const split = await exchange([two.subarray(0, 1), two.subarray(1, 17), two.subarray(17)], 2);
    expect(split.replies.map((reply) => reply.readUInt16BE(0))).toEqual([1, 2]);
    expect((await exchange([Buffer.from([0, 0])], 0)).closed).toBe(true); // length 0
    expect((await exchange([Buffer.from([0xff, 0xff, 1, 2, 3])], 0)).closed).toBe(true); // longer than any query
    const truncated = await exchange([frame(good()).subarray(0, 10)], 0); // waits for the rest, answers nothing
    expect(truncated.replies).toEqual([]);
    expect(addressOf(dnsPacket.decode((await exchange([frame(good())], 1)).replies[0]!))).toBe(edgeHost(0));
  });

  const good = () => query(HOSTNAME);
});

/** Five addresses of each country, drawn from the table the router locates with. */
function sampleAddresses(countries: string[]): { country: string; address: string }[] {
  const sampler = CountryAddressSampler.load();
  const random = createRandom(15);
  return countries.flatMap((country) => Array.from({ length: 5 }, () => ({ country, address: sampler.sample(country, random)! })));
}

/** The /24 network of an IPv4 address, what a resolver sends as ECS. */
const network24 = (address: string) => `${address.split('.').slice(0, 3).join('.')}.0`;

describe("the router's DNS in a running topology", () => {
  let cluster: TestCluster;
  let resolver: DnsResolver;
  const edgeByAddress = () => new Map(cluster.topology.edges.map((edge) => [edge.host!, edge.id]));
  beforeAll(async () => {
    const topology = testTopology({ healthIntervalMs: 300 });
    cluster = await startTestCluster({
      ...topology,
      dns: { hostname: HOSTNAME, ttl: 2, port: 0 },
      edges: topology.edges.map((edge, index) => ({ ...edge, host: edgeHost(index) })),
    });
    resolver = new DnsResolver({ host: cluster.dns!.host, port: cluster.dns!.port });
  }, 60_000);
  afterAll(async () => {
    resolver?.close();
    await cluster?.dispose();
  });

  it('puts every edge on its own address and one common port', () => {
    expect(cluster.edgesOnDistinctAddresses).toBe(true);
    expect(new Set(cluster.topology.edges.map((edge) => edge.port)).size).toBe(1);
    expect(cluster.topology.edges.map((edge) => edge.host)).toEqual(TEST_EDGES.map((_, index) => edgeHost(index)));
  });

  it('answers clients on six continents with the edge the HTTP router picks for them', async () => {
    const expected: Record<string, string> = { US: 'iad', DE: 'fra', JP: 'nrt', BR: 'gru', AU: 'syd', ZA: 'jnb' };
    const addresses = edgeByAddress();
    for (const { country, address } of sampleAddresses(Object.keys(expected))) {
      const answer = await resolver.resolve(HOSTNAME, address);
      const viaDns = addresses.get(answer.address);
      const response = await request(`${cluster.routerUrl}/gen/dns-agree?bytes=1`, { headers: { 'x-forwarded-for': network24(address) } });
      await response.body.dump();
      expect(viaDns, `${country} ${address}`).toBe(response.headers['x-served-by']);
      expect(answer).toMatchObject({ ttl: 2, scope: 24 });
      // The continent's edge, for all but a US address that geolocates to the west coast.
      if (country !== 'US') expect(viaDns, `${country} ${address}`).toBe(expected[country]);
    }
  });

  it('serves content straight from the edge the answer names, on the common port', async () => {
    const answer = await resolver.resolve(HOSTNAME, '133.242.0.3');
    const response = await request(`http://${answer.address}:${cluster.topology.edges[0]!.port}/gen/direct?bytes=5`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-served-by']).toBe('nrt');
    expect(await response.body.text()).toHaveLength(5);
  });

  it('keeps answering after malformed messages', async () => {
    for (const junk of [Buffer.alloc(3), Buffer.alloc(12, 0xff), Buffer.alloc(9000, 1)]) await udpExchange(cluster.dns!.port, junk, 100);
    expect(edgeByAddress().get((await resolver.resolve(HOSTNAME, '133.242.0.3')).address)).toBe('nrt');
  });

  const dig = spawnSync('dig', ['-v'], { encoding: 'utf8' });
  const haveDig = dig.status === 0;
  if (!haveDig && process.env.CI !== 'true') console.warn('dns.test.ts: skipping the dig test: dig is not installed (apt-get install -y bind9-dnsutils)');
  it.skipIf(!haveDig && process.env.CI !== 'true')('answers dig with an ECS subnet, over UDP and TCP', () => {
    for (const transport of ['+notcp', '+tcp']) {
      const out = execFileSync('dig', ['@127.0.0.1', '-p', String(cluster.dns!.port), HOSTNAME, '+subnet=133.242.0.0/24', transport, '+tries=1', '+time=2'], { encoding: 'utf8' });
      expect(out).toContain('status: NOERROR');
      expect(out).toMatch(/CLIENT-SUBNET: 133\.242\.0\.0\/24\/24/);
      expect(out).toMatch(new RegExp(`${HOSTNAME.replace(/\./g, '\\.')}\\.\\s+2\\s+IN\\s+A\\s+${edgeHost(2).replace(/\./g, '\\.')}`));
    }
  });

  it('stops naming an edge once it is down, and names it again when it is back', async () => {
    const japan = async () => edgeByAddress().get((await resolver.resolve(HOSTNAME, '133.242.0.3')).address);
    expect(await japan()).toBe('nrt');
    const nrt = cluster.child('nrt')!;
    await nrt.stop();
    const deadline = Date.now() + 5_000;
    while ((await japan()) === 'nrt' && Date.now() < deadline) await sleep(100);
    const after = await japan();
    expect(after).not.toBe('nrt');
    const response = await request(`${cluster.routerUrl}/gen/after-nrt?bytes=1`, { headers: { 'x-forwarded-for': '133.242.0.0' } });
    await response.body.dump();
    expect(after).toBe(response.headers['x-served-by']);
    await nrt.start();
    const back = Date.now() + 5_000;
    while ((await japan()) !== 'nrt' && Date.now() < back) await sleep(100);
    expect(await japan()).toBe('nrt');
  }, 20_000);
});
