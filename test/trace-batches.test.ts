import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { deal, simulateFile } from '../src/sim/simulate-file.ts';
import { csvLayout, csvParser, parseWebcachesim } from '../src/trace/formats.ts';
import { DEFAULT_COLUMNS, formatFromName, readTrace, readTraceBatches, type ReadTraceOptions } from '../src/trace/read-trace.ts';
import { TraceFormatError, type TraceRequest } from '../src/trace/trace-request.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** What the fast path reads: [key, size, time] per request, and the lines it skipped. */
async function fast(file: string, options: ReadTraceOptions = {}) {
  const out: [string, number, number][] = [];
  const skipped: string[] = [];
  for await (const batch of readTraceBatches(file, { ...options, onSkip: (e) => skipped.push(e.message) })) {
    for (let i = 0; i < batch.length; i++) out.push([batch.keys[i]!, batch.sizes[i]!, batch.times[i]!]);
  }
  return { out, skipped };
}

/** The reference: every line through the string parsers, split as readline splits them. */
async function reference(file: string, options: ReadTraceOptions = {}) {
  const bytes = readFileSync(file);
  const lines = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const format = options.format ?? formatFromName(file);
  const parse = format === 'csv' ? csvParser(file, csvLayout(file, lines.shift()!, { ...DEFAULT_COLUMNS, ...options.columns })) : (line: string, n: number) => parseWebcachesim(file, line, n);
  const first = format === 'csv' ? 2 : 1;
  const out: [string, number, number][] = [];
  const requests: TraceRequest[] = [];
  const skipped: string[] = [];
  lines.forEach((line, i) => {
    try {
      const request = parse(line, i + first);
      if (request) {
        out.push([request.key, request.size, request.time]);
        requests.push(request);
      }
    } catch (error) {
      if (!options.skipBad) throw error;
      skipped.push((error as Error).message);
    }
  });
  return { out, skipped, requests };
}

/** readTrace's requests, every field. */
async function detailed(file: string, options: ReadTraceOptions = {}) {
  const requests: TraceRequest[] = [];
  for await (const request of readTrace(file, options)) requests.push(request);
  return requests;
}

async function failure(read: Promise<unknown>): Promise<string> {
  const error = await read.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TraceFormatError);
  return (error as Error).message;
}

describe('the batch reader agrees with the string parser', () => {
  it('on the shipped trace', async () => {
    const [a, b, c] = await Promise.all([fast('traces/cloudPhysicsIO.csv.gz'), reference('traces/cloudPhysicsIO.csv.gz'), detailed('traces/cloudPhysicsIO.csv.gz')]);
    expect(a.out).toHaveLength(113_872);
    expect(a.out).toEqual(b.out);
    expect(c).toEqual(b.requests);
  });

  it('on awkward but valid CSV lines: CRLF, blanks, signs, exponents, padding, UTF-8, long keys, extra fields', async () => {
    const lines = [
      'timestamp,key,size,ttl,cacheable,lat,lon,country,client_ip',
      '1,a,10,60,1,50.1,-8.7,de,1.2.3.4',
      '2,b,20,,false,,,,',
      '3, padded ,30,,,,, us , 10.0.0.1 \r',
      '4,plus,+40,60,true,1,2,JP,::1',
      '5.5,exp,1e3,7,0,-0.5,.5,fr,',
      '',
      '   ',
      '6,é-ünïcode,7,,,1,,ß,',
      '7,' + 'k'.repeat(40) + ',8,,,,,,,extra,fields',
      ...Array.from({ length: 20 }, (_, n) => `${8 + n},${'x'.repeat(n + 1)},${n + 1},${n},${n % 2},${n}.5,-${n},c${n},ip${n}`),
      '99,last,9,,,,,,',
    ];
    const file = write('awkward.csv', lines.join('\n'));
    const [a, b, c] = await Promise.all([fast(file), reference(file), detailed(file)]);
    expect(a.out).toEqual(b.out);
    expect(c).toEqual(b.requests);
    expect(c[0]).toEqual({ key: 'a', size: 10, time: 1, ttl: 60, cacheable: true, lat: 50.1, lon: -8.7, country: 'DE', clientIp: '1.2.3.4' });
    expect(a.out.map(([key]) => key).slice(0, 6)).toEqual(['a', 'b', 'padded', 'plus', 'exp', 'é-ünïcode']);
    expect(a.out[4]).toEqual(['exp', 1000, 5.5]);
  });

  it('on webcachesim text: tabs, runs of blanks, comments, CRLF', async () => {
    const file = write('t.tr', '# a comment\n1 100 512\n2  200\t1024\r\n  3 300 5 extra\n\n4\tk\t+6\n5 last 7');
    const [a, b, c] = await Promise.all([fast(file), reference(file), detailed(file)]);
    expect(a.out).toEqual(b.out);
    expect(c).toEqual(b.requests);
    expect(a.out).toHaveLength(5);
  });

  it('across chunk boundaries (1 MiB), with a 2-byte character split between two chunks and no final newline', async () => {
    const lines = ['key,size'];
    for (let n = 0; n < 40_000; n++) lines.push(`${n % 7 === 0 ? 'ß' : 'k'}${'v'.repeat(n % 50)}${n},${n + 1}`);
    let text = lines.join('\n');
    // Pad the start so that the first byte of a "ß" is the last byte of the first chunk.
    const first = Buffer.from(text).indexOf(Buffer.from('ß'), (1 << 20) - 3000);
    text = text.replace('key,size\n', `key,size\n${'p'.repeat((1 << 20) - 1 - first - ',1\n'.length)},1\n`);
    expect(Buffer.from(text).subarray((1 << 20) - 1, (1 << 20) + 1).toString()).toBe('ß');
    const file = write('big.csv', text);
    const gz = write('big.csv.gz', gzipSync(text.replace(/\n/g, '\r\n')));
    const [a, b, c] = await Promise.all([fast(file), reference(file), fast(gz)]);
    expect(a.out).toHaveLength(40_001);
    expect(a.out).toEqual(b.out);
    expect(c.out).toEqual(a.out);
  });

  it('stops with the same file:line:column at each kind of bad line, or skips the same lines', async () => {
    const bad = [
      ['size', 'a,ten,1'],
      ['negative size', 'a,-1,1'],
      ['empty size', 'a,,1'],
      ['empty key', ',5,1'],
      ['too few fields', 'a,5'],
      ['ttl', 'a,5,1,x,'],
      ['cacheable', 'a,5,1,,maybe'],
      ['timestamp', 'a,5,soon,,'],
    ];
    for (const [what, line] of bad) {
      const file = write(`bad-${what!.replace(/ /g, '-')}.csv`, `key,size,timestamp,ttl,cacheable\nok,1,0,,\n${line}\nok2,2,0,,\n`);
      const message = await failure(fast(file));
      expect(message, what).toBe(await failure(reference(file)));
      expect(message, what).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: `));
      const [a, b] = await Promise.all([fast(file, { skipBad: true }), reference(file, { skipBad: true })]);
      expect(a.out.map(([key]) => key)).toEqual(['ok', 'ok2']);
      expect([a.out, a.skipped]).toEqual([b.out, b.skipped]);
      expect(await failure(detailed(file)), what).toBe(message);
    }
  });

  it('reads oracleGeneral ids beyond 2^53 as BigInt prints them', async () => {
    const record = Buffer.alloc(24);
    record.writeUInt32LE(1, 0);
    record.writeBigUInt64LE(18_446_744_073_709_551_615n, 4);
    record.writeUInt32LE(10, 12);
    record.writeBigInt64LE(-1n, 16);
    const file = write('huge.oracleGeneral.bin', record);
    const batches = [];
    for await (const batch of readTraceBatches(file)) batches.push(batch);
    expect(batches[0]!.keys).toEqual(['18446744073709551615']);
    expect([...batches[0]!.nextAccess!]).toEqual([-1]);
  });
});

describe('configurations over threads', () => {
  const trace = path.join(dir, 'threads.csv');
  const lines = ['timestamp,key,size'];
  // A skewed trace: a few hot keys and a long tail, sizes 1..1000.
  for (let n = 0; n < 30_000; n++) lines.push(`${n},${n % 3 === 0 ? n % 97 : (n * 7919) % 5003},${1 + ((n * 31) % 1000)}`);
  writeFileSync(trace, lines.join('\n') + '\n');
  const configs = ['lru', 's3fifo', 'sieve', 'arc', 'belady'].flatMap((policy) => [50, 500, 2000].map((capacity) => ({ policy, capacity, mode: 'objects' as const })));
  const withoutTime = (results: { seconds: number }[]) => results.map(({ seconds: _seconds, ...rest }) => rest);

  it('gives the results of one thread, in the configurations order', async () => {
    const one = await simulateFile(trace, configs, { threads: 1 });
    const two = await simulateFile(trace, configs, { threads: 2 });
    const three = await simulateFile(trace, [...configs, { policy: 'lru', capacity: 1e6, mode: 'bytes' }], { threads: 3 });
    expect([one.threads, two.threads, three.threads]).toEqual([1, 2, 3]);
    expect(withoutTime(two.results)).toEqual(withoutTime(one.results));
    expect(withoutTime(three.results).slice(0, configs.length)).toEqual(withoutTime(one.results));
    expect(one.results.map((r) => [r.policy, r.cache_size])).toEqual(configs.map((c) => [c.policy, c.capacity]));
  });

  it('streams Belady over oracleGeneral (next requests in the file) with the results of the CSV read whole', async () => {
    const keys = Array.from({ length: 5000 }, (_, n) => (n % 4 === 0 ? n % 13 : (n * 7) % 211));
    // (No size-0 requests: the file's positions count them, the CSV's are among the requests kept.)
    const sizes = keys.map((key) => 1 + (key % 50));
    const records = Buffer.alloc(24 * keys.length);
    keys.forEach((key, n) => {
      const next = keys.indexOf(key, n + 1);
      records.writeUInt32LE(n, 24 * n);
      records.writeBigUInt64LE(BigInt(key), 24 * n + 4);
      records.writeUInt32LE(sizes[n]!, 24 * n + 12);
      records.writeBigInt64LE(BigInt(next), 24 * n + 16);
    });
    const bin = write('belady.oracleGeneral.bin', records);
    const csv = write('belady.csv', ['key,size', ...keys.map((key, n) => `${key},${sizes[n]}`)].join('\n'));
    const beladys = [5, 50, 500].flatMap((capacity) => [
      { policy: 'belady', capacity, mode: 'objects' as const },
      { policy: 'belady', capacity: capacity * 20, mode: 'bytes' as const },
    ]);
    const [streamed, whole] = await Promise.all([simulateFile(bin, beladys, { threads: 1 }), simulateFile(csv, beladys, { threads: 1 })]);
    expect(withoutTime(streamed.results)).toEqual(withoutTime(whole.results));
  });

  it('deals configurations back and forth, so each thread gets small and large caches', () => {
    expect(deal(6, 2).map((slot) => slot.thread)).toEqual([0, 1, 1, 0, 0, 1]);
    expect(deal(4, 3)).toEqual([
      { thread: 0, position: 0 },
      { thread: 1, position: 0 },
      { thread: 2, position: 0 },
      { thread: 2, position: 1 },
    ]);
  });

  it('reports a worker thread`s format error as the file:line:column error of one thread', async () => {
    const file = write('threads-bad.csv', 'key,size\na,1\nb,x\n');
    const single = await failure(simulateFile(file, configs.slice(0, 2), { threads: 1 }));
    const error = await failure(simulateFile(file, configs.slice(0, 2), { threads: 2 }));
    expect(error).toBe(single);
    expect(error).toBe(`${file}:3:3: size must be a whole number, got "x"`);
    const skipped = await simulateFile(file, configs.slice(0, 2), { threads: 2, skipBad: true });
    expect(skipped.skipped).toBe(1);
    expect(skipped.results.map((r) => r.requests)).toEqual([1, 1]);
  });
});
