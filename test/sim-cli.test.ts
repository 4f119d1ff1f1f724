import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCacheSize, resolveCacheSize } from '../src/sim/cache-size.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sim = (args: string[]) => spawnSync(process.execPath, ['bin/cdnsim.js', 'sim', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('cdnsim sim', () => {
  it('prints one JSON line per (policy, cache size) with exactly the documented keys', () => {
    const result = sim(['--trace', 'traces/cloudPhysicsIO.csv.gz', '--policy', 'LRU,s3fifo', '--cache-size', '0.01,1000', '--json']);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['policy', 'cache_size', 'mode', 'requests', 'misses', 'miss_ratio', 'bytes', 'miss_bytes', 'byte_miss_ratio', 'seconds']);
      expect(line.requests).toBe(113_872);
    }
    expect(lines.map((line) => [line.policy, line.cache_size])).toEqual([
      ['lru', 489],
      ['lru', 1000],
      ['s3fifo', 489],
      ['s3fifo', 1000],
    ]);
  });

  it('writes a miss-ratio-curve chart next to the JSON with --out', () => {
    const out = path.join(dir, 'mrc');
    const result = sim(['--trace', 'traces/cloudPhysicsIO.csv.gz', '--policy', 'lru,sieve', '--cache-size', '100,1000,10000', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
    const html = readFileSync(path.join(out, 'mrc.html'), 'utf8');
    expect(html).toContain('Request miss ratio by cache size');
    expect(html.match(/<path d="M/g)).toHaveLength(2);
  });

  it('generates a deterministic synthetic trace that the simulator reads back', () => {
    const gen = (file: string, seed: string) =>
      spawnSync(process.execPath, ['bin/cdnsim.js', 'trace', 'gen', '--out', file, '--requests', '2000', '--objects', '300', '--seed', seed, '--countries', 'US:1,JP:1'], { encoding: 'utf8', timeout: 60_000 });
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    const c = path.join(dir, 'c.csv.gz');
    expect(gen(a, '3').status).toBe(0);
    expect(gen(b, '3').status).toBe(0);
    expect(gen(c, '4').status).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(a, 'utf8').split('\n')[0]).toBe('timestamp,key,size,ttl,cacheable,country,client_ip');
    const result = sim(['--trace', c, '--cache-size', '50', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).requests).toBe(2000);
  });

  it('stops at a malformed line with file, line and column, or skips it with --skip-bad', () => {
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, 'key,size\na,1\nb,x\nc,1\n');
    const stopped = sim(['--trace', file, '--cache-size', '10']);
    expect(stopped.status).toBe(2);
    expect(stopped.stderr).toContain(`${file}:3:3: size must be a whole number`);
    const skipped = sim(['--trace', file, '--cache-size', '10', '--skip-bad']);
    expect(skipped.status).toBe(0);
    expect(skipped.stdout).toContain('1 malformed lines skipped');
  });

  it('reads a CSV whose header names the columns otherwise with --columns', () => {
    const file = path.join(dir, 'renamed.csv');
    writeFileSync(file, 'ts,object,bytes\n1,a,10\n2,b,10\n3,a,10\n');
    const result = sim(['--trace', file, '--columns', 'key=object,size=bytes,timestamp=ts', '--cache-size', '5', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ requests: 3, misses: 2 });
    const bad = sim(['--trace', file, '--columns', 'colour=object']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--columns takes FIELD=COLUMN pairs/);
  });

  it('splits configurations over threads with --threads, with the results of one thread', () => {
    const args = ['--trace', 'traces/cloudPhysicsIO.csv.gz', '--policy', 'lru,s3fifo,belady', '--cache-size', '0.01,0.1', '--json'];
    const runs = ['1', '2'].map((threads) => sim([...args, '--threads', threads]));
    for (const run of runs) expect(run.status, run.stderr).toBe(0);
    const [one, two] = runs.map((run) => run.stdout.trim().split('\n').map((line) => ({ ...JSON.parse(line), seconds: 0 })));
    expect(one).toHaveLength(6);
    expect(two).toEqual(one);
    const zero = sim([...args, '--threads', '0']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/--threads must be a whole number >= 1, got "0"/);
  });

  it('explains an unknown policy, a bad size and an unreadable file in one line, exit 2', () => {
    for (const [args, message] of [
      [['--trace', 'traces/cloudPhysicsIO.csv.gz', '--policy', 'mru'], /unknown policy "mru" \(known: lru, fifo, clock, sieve, s3fifo, lfu, arc, belady\)/],
      [['--trace', 'traces/cloudPhysicsIO.csv.gz', '--cache-size', '0'], /cache size must be > 0/],
      [['--trace', path.join(dir, 'missing.csv')], /cannot read trace file/],
    ] as const) {
      const result = sim([...args]);
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });

  it('reads sizes as absolute, with units, or as fractions of the working set', () => {
    expect(parseCacheSize('64MiB')).toEqual({ kind: 'absolute', value: 64 * 1024 * 1024 });
    expect(parseCacheSize('10000')).toEqual({ kind: 'absolute', value: 10_000 });
    expect(resolveCacheSize(parseCacheSize('0.1'), 'bytes', { objects: 10, bytes: 2_029_769_728 })).toBe(202_976_972);
    expect(() => parseCacheSize('lots')).toThrow(/not a number/);
  });
});
