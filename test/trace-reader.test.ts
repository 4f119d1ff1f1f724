import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace } from '../src/trace/read-trace.ts';
import { TraceFormatError, type TraceRequest } from '../src/trace/trace-request.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(file: string, options = {}): Promise<TraceRequest[]> {
  const out: TraceRequest[] = [];
  for await (const request of readTrace(file, options)) out.push(request);
  return out;
}

describe('the shipped CloudPhysics trace', () => {
  it('has the requests, keys, working set and sizes its provenance states', async () => {
    let requests = 0;
    let minSize = Infinity;
    let maxSize = 0;
    let first = Infinity;
    let last = 0;
    const sizes = new Map<string, number>();
    for await (const request of readTrace('traces/cloudPhysicsIO.csv.gz')) {
      requests++;
      minSize = Math.min(minSize, request.size);
      maxSize = Math.max(maxSize, request.size);
      first = Math.min(first, request.time);
      last = Math.max(last, request.time);
      if (!sizes.has(request.key)) sizes.set(request.key, request.size);
    }
    expect(requests).toBe(113_872);
    expect(sizes.size).toBe(48_974);
    expect([...sizes.values()].reduce((sum, size) => sum + size, 0)).toBe(2_029_769_728);
    expect([minSize, maxSize]).toEqual([512, 69_632]);
    expect([first, last]).toEqual([5_633_898, 5_641_098]);
  });
});

describe('trace formats', () => {
  it('reads CSV with optional and renamed columns', async () => {
    const file = path.join(dir, 'custom.csv');
    writeFileSync(file, 'ts,object,bytes,ttl,cacheable,country,client_ip,lat,lon\n1,a,10,60,1,de,1.2.3.4,50.1,-8.7\n2,b,20,,false,,,,\n');
    const requests = await collect(file, { columns: { key: 'object', size: 'bytes', timestamp: 'ts' } });
    expect(requests).toEqual([
      { time: 1, key: 'a', size: 10, ttl: 60, cacheable: true, country: 'DE', clientIp: '1.2.3.4', lat: 50.1, lon: -8.7 },
      { time: 2, key: 'b', size: 20, cacheable: false },
    ]);
  });

  it('reads gzip CSV, the webcachesim text format and libCacheSim oracleGeneral records', async () => {
    const gz = path.join(dir, 't.csv.gz');
    writeFileSync(gz, gzipSync('key,size\nx,5\ny,6\n'));
    expect((await collect(gz)).map((r) => r.key)).toEqual(['x', 'y']);

    const text = path.join(dir, 't.tr');
    writeFileSync(text, '1 100 512\n2  200\t1024\n');
    expect(await collect(text)).toEqual([
      { time: 1, key: '100', size: 512 },
      { time: 2, key: '200', size: 1024 },
    ]);

    const binary = Buffer.alloc(48);
    binary.writeUInt32LE(7, 0);
    binary.writeBigUInt64LE(12345678901234n, 4);
    binary.writeUInt32LE(4096, 12);
    binary.writeBigInt64LE(1n, 16);
    binary.writeUInt32LE(8, 24);
    binary.writeBigUInt64LE(12345678901234n, 28);
    binary.writeUInt32LE(4096, 36);
    binary.writeBigInt64LE(-1n, 40);
    const bin = path.join(dir, 't.oracleGeneral.bin');
    writeFileSync(bin, binary);
    expect(await collect(bin)).toEqual([
      { time: 7, key: '12345678901234', size: 4096, nextAccess: 1 },
      { time: 8, key: '12345678901234', size: 4096, nextAccess: -1 },
    ]);
  });

  it('stops at a malformed line with the file, line and column, or skips and counts it', async () => {
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, 'key,size\na,10\nb,ten\nc,30\n');
    const error = await collect(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TraceFormatError);
    expect((error as Error).message).toBe(`${file}:3:3: size must be a whole number, got "ten"`);
    const skipped: string[] = [];
    const requests = await collect(file, { skipBad: true, onSkip: (e: Error) => skipped.push(e.message) });
    expect(requests.map((r) => r.key)).toEqual(['a', 'c']);
    expect(skipped).toHaveLength(1);
  });

  it('names a missing required column and a torn binary record', async () => {
    const file = path.join(dir, 'nosize.csv');
    writeFileSync(file, 'key,bytes\na,1\n');
    await expect(collect(file)).rejects.toThrow(/:1:1: the header has no "size" column \(found: key, bytes\)/);
    const bin = path.join(dir, 'torn.bin');
    writeFileSync(bin, Buffer.alloc(30));
    await expect(collect(bin)).rejects.toThrow(/:2:1: a 6-byte partial record/);
  });
});
