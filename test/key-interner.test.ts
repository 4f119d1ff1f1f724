import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyInterner } from '../src/trace/key-interner.ts';
import { readTraceBatches } from '../src/trace/read-trace.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-intern-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('KeyInterner', () => {
  it('numbers keys 0, 1, 2, ... by first appearance; equal numbers exactly for equal keys', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.string({ unit: 'grapheme', maxLength: 20 })), { maxLength: 400 }), (keys) => {
        const interner = new KeyInterner();
        const expected = new Map<string, number>();
        for (const key of keys) {
          if (!expected.has(key)) expected.set(key, expected.size);
          const bytes = Buffer.from(`,${key}\n`);
          // From bytes inside a larger buffer, and from the string: the same number.
          expect(interner.intern(bytes, 1, bytes.length - 1)).toBe(expected.get(key));
          expect(interner.internString(key)).toBe(expected.get(key));
        }
        expect(interner.size).toBe(expected.size);
        for (const [key, id] of expected) expect(interner.key(id)).toBe(key);
      }),
      { numRuns: 200, seed: 15 },
    );
  });

  it('holds a million keys through its rehashes', () => {
    const interner = new KeyInterner();
    let wrong = 0;
    for (let i = 0; i < 1_000_000; i++) if (interner.internString(`k${i}`) !== i) wrong++;
    for (let i = 0; i < 1_000_000; i += 997) if (interner.internString(`k${i}`) !== i) wrong++;
    expect(wrong).toBe(0);
    expect(interner.size).toBe(1_000_000);
    expect(interner.key(765_432)).toBe('k765432');
  });
});

describe('reading a trace with interned keys', () => {
  it('gives each request the number of the key the string reader gives it, clean lines and others', async () => {
    const lines = ['timestamp,key,size,ttl'];
    for (let i = 0; i < 30_000; i++) {
      const key = i % 7 === 0 ? ` padded-${i % 50} ` : i % 11 === 0 ? `ключ-${i % 40}` : `k${(i * 31) % 900}`;
      lines.push(`${i},${key},${i % 5 === 0 ? 0 : 100 + (i % 9)},${i % 3 === 0 ? '' : 60}${i % 13 === 0 ? '\r' : ''}`);
    }
    const file = path.join(dir, 'mixed.csv');
    writeFileSync(file, lines.join('\n'));
    const strings: [string, number][] = [];
    for await (const batch of readTraceBatches(file)) for (let i = 0; i < batch.length; i++) strings.push([batch.keys[i]!, batch.sizes[i]!]);
    const interner = new KeyInterner();
    const interned: [string, number][] = [];
    for await (const batch of readTraceBatches(file, { interner })) {
      expect(batch.keys).toEqual([]);
      for (let i = 0; i < batch.length; i++) interned.push([interner.key(batch.ids![i]!), batch.sizes[i]!]);
    }
    expect(interned).toEqual(strings);
    expect(interned.length).toBe(30_000);
    expect(interner.size).toBe(new Set(strings.map(([key]) => key)).size);
  });

  it('the same for webcachesim text', async () => {
    const lines = ['# time id size'];
    for (let i = 0; i < 20_000; i++) lines.push(i % 9 === 0 ? `${i}\tключ${i % 30}\t${i % 4}` : `${i} w${(i * 13) % 700}  ${1 + (i % 50)}${i % 7 === 0 ? ' extra' : ''}`);
    const file = path.join(dir, 'mixed.txt');
    writeFileSync(file, lines.join('\n') + '\n');
    const strings: [string, number][] = [];
    for await (const batch of readTraceBatches(file)) for (let i = 0; i < batch.length; i++) strings.push([batch.keys[i]!, batch.sizes[i]!]);
    const interner = new KeyInterner();
    const interned: [string, number][] = [];
    for await (const batch of readTraceBatches(file, { interner })) for (let i = 0; i < batch.length; i++) interned.push([interner.key(batch.ids![i]!), batch.sizes[i]!]);
    expect(interned).toEqual(strings);
    expect(interned.length).toBe(20_000);
  });
});
