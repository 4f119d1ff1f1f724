import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RequestSpool } from '../src/sim/request-spool.ts';
import { simulateFile } from '../src/sim/simulate-file.ts';
import { simulateBatches, type SimConfig, type SimResult } from '../src/sim/simulate.ts';
import { firstPass } from '../src/sim/working-set.ts';
import { readTraceBatches } from '../src/trace/read-trace.ts';
import type { ReadTraceOptions } from '../src/trace/formats.ts';

// LRU runs take three faster roads than the string reader and lru-cache: interned keys on this
// thread, a reader thread, and a spool written by the working-set pass. Each must give exactly what
// the string path gives: the same results, skipped lines and errors.

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CSV with clean lines and every kind the string parser handles: padding, CRs, +5, 1e3, non-ASCII keys, size 0, huge sizes, a bad line. */
function messyTrace(name: string, bad: boolean): string {
  const lines = ['timestamp,key,size,ttl,cacheable'];
  for (let i = 0; i < 60_000; i++) {
    const n = (i * 7919) % 4_000;
    const key = i % 17 === 0 ? ` k${n % 300} ` : i % 19 === 0 ? `ключ${n % 50}` : `k${n % 3_000}`;
    const size = i % 23 === 0 ? '0' : i % 29 === 0 ? '+5' : i % 31 === 0 ? '1e3' : i % 37 === 0 ? String(2 ** 33 + n) : String(1 + (n % 700));
    lines.push(`${i},${key},${size},60,${i % 2}${i % 13 === 0 ? '\r' : ''}`);
    if (bad && i === 41_234) lines.push(`${i},oops,12x,60,1`);
  }
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const configs: SimConfig[] = [
  { policy: 'lru', capacity: 300, mode: 'objects' },
  { policy: 'lru', capacity: 2_500, mode: 'objects' },
  { policy: 'lru', capacity: 250_000, mode: 'bytes' },
  { policy: 'lru', capacity: 2 ** 36, mode: 'bytes' },
];

/** The reference: key strings through lru-cache (no interning), one thread. */
async function stringPath(file: string, options: ReadTraceOptions = {}) {
  let skipped = 0;
  const results = await simulateBatches(readTraceBatches(file, { ...options, onSkip: () => skipped++ }), configs);
  return { results: results.map(withoutSeconds), skipped };
}

function withoutSeconds(result: SimResult) {
  return { ...result, seconds: 0 };
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

describe('LRU fast paths give the string path`s results', () => {
  const clean = messyTrace('messy.csv', false);
  const bad = messyTrace('bad.csv', true);

  it('interned keys on this thread, with a reader thread, and over two threads of configurations', async () => {
    const reference = await stringPath(clean);
    expect(reference.results[0]!.requests).toBeGreaterThan(50_000);
    for (const readerThread of [false, true]) {
      const run = await simulateFile(clean, configs, { threads: 1, readerThread });
      expect(run.readerThread).toBe(readerThread);
      expect({ results: run.results.map(withoutSeconds), skipped: run.skipped }).toEqual(reference);
    }
    // Configurations split over worker threads, each interning its own copy of the trace.
    const split = await simulateFile(clean, configs, { threads: 2 });
    expect(split.threads).toBe(2);
    expect({ results: split.results.map(withoutSeconds), skipped: split.skipped }).toEqual(reference);
  });

  it('from the spool of the working-set pass, sizes over 2^32 included', async () => {
    const reference = await stringPath(clean);
    const first = await firstPass(clean, {}, ['lru']);
    expect(first.spool).toBeInstanceOf(RequestSpool);
    const run = await simulateFile(clean, configs, { spool: first.spool });
    expect({ results: run.results.map(withoutSeconds), skipped: run.skipped }).toEqual(reference);
    // The working set is the string reader's: unique keys of size > 0, their first sizes.
    const seen = new Map<string, number>();
    for await (const { keys, sizes, length } of readTraceBatches(clean)) for (let i = 0; i < length; i++) if (sizes[i]! > 0 && !seen.has(keys[i]!)) seen.set(keys[i]!, sizes[i]!);
    expect(first.workingSet).toEqual({ objects: seen.size, bytes: [...seen.values()].reduce((sum, size) => sum + size, 0) });
  });

  it('the same error at the same file:line:column, and the same lines skipped', async () => {
    const expected = await failure(stringPath(bad));
    expect(expected).toBe(`${bad}:41237:12: size must be a whole number, got "12x"`);
    expect(await failure(simulateFile(bad, configs, { threads: 1, readerThread: false }))).toBe(expected);
    expect(await failure(simulateFile(bad, configs, { threads: 1, readerThread: true }))).toBe(expected);
    expect(await failure(firstPass(bad, {}, ['lru']))).toBe(expected);
    const reference = await stringPath(bad, { skipBad: true });
    expect(reference.skipped).toBe(1);
    for (const readerThread of [false, true]) {
      const run = await simulateFile(bad, configs, { threads: 1, readerThread, skipBad: true });
      expect({ results: run.results.map(withoutSeconds), skipped: run.skipped }).toEqual(reference);
    }
    const first = await firstPass(bad, { skipBad: true }, ['lru']);
    const spooled = await simulateFile(bad, configs, { skipBad: true, spool: first.spool });
    expect({ results: spooled.results.map(withoutSeconds), skipped: spooled.skipped }).toEqual(reference);
  });

  it('no spool when a policy has no indexed twin; a spool refuses one', async () => {
    expect((await firstPass(clean, {}, ['lru', 'fifo'])).spool).toBeUndefined();
    const { spool } = await firstPass(clean, {}, ['lru']);
    expect(await failure(simulateFile(clean, [{ policy: 'fifo', capacity: 10, mode: 'objects' }], { spool }))).toMatch(/indexed twin/);
  });
});
