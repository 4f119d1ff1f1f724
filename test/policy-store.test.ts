import { describe, expect, it } from 'vitest';
import { createEntryStore } from '../src/cache/create-entry-store.ts';
import type { DisposeReason } from '../src/cache/entry-store.ts';
import { PolicyStore } from '../src/cache/policy-store.ts';
import { createFifo } from '../src/eviction/fifo-family.ts';

interface Item {
  name: string;
  size: number;
}

function fifoStore(capacity: number) {
  const disposed: string[] = [];
  const store = new PolicyStore<Item>({
    policy: createFifo,
    capacity,
    cost: (item) => item.size,
    sizeCalculation: (item) => item.size,
    dispose: (item, key, reason: DisposeReason) => disposed.push(`${key}=${item.name}:${reason}`),
  });
  return { store, disposed };
}

describe('PolicyStore', () => {
  it('tells its owner why each entry left: evicted, replaced or deleted', () => {
    const { store, disposed } = fifoStore(30);
    store.set('a', { name: 'a1', size: 10 });
    store.set('b', { name: 'b1', size: 10 });
    store.set('c', { name: 'c1', size: 10 });
    store.set('d', { name: 'd1', size: 10 });
    expect(disposed).toEqual(['a=a1:evict']);
    store.set('b', { name: 'b2', size: 10 });
    expect(store.delete('c')).toBe(true);
    expect(store.delete('c')).toBe(false);
    expect(disposed).toEqual(['a=a1:evict', 'b=b1:set', 'c=c1:delete']);
    expect([store.size, store.calculatedSize]).toEqual([2, 20]);
  });

  it('a replacement of the same cost keeps its place; of another cost it is admitted anew', () => {
    const { store, disposed } = fifoStore(30);
    for (const key of ['a', 'b', 'c']) store.set(key, { name: `${key}1`, size: 10 });
    store.set('a', { name: 'a2', size: 10 });
    // a is still first in: d evicts it.
    store.set('d', { name: 'd1', size: 10 });
    expect(disposed.at(-1)).toBe('a=a2:evict');
    // b grows: it goes to the back of the queue, and room is made by evicting c.
    store.set('b', { name: 'b2', size: 15 });
    expect(disposed.slice(-2)).toEqual(['b=b1:set', 'c=c1:evict']);
    expect([store.peek('b')?.name, store.calculatedSize]).toEqual(['b2', 25]);
    store.set('e', { name: 'e1', size: 5 });
    store.set('f', { name: 'f1', size: 5 });
    expect(disposed.at(-1)).toBe('d=d1:evict');
  });

  it('refuses an entry larger than the whole cache, dropping what the key held (as lru-cache does)', () => {
    const { store, disposed } = fifoStore(30);
    store.set('a', { name: 'a1', size: 10 });
    store.set('a', { name: 'a2', size: 31 });
    expect(store.has('a')).toBe(false);
    expect(disposed).toEqual(['a=a1:set']);
    expect(store.calculatedSize).toBe(0);
  });

  it('get is a use of the key, peek and has are not', () => {
    const lfu = createEntryStore<Item>({ maxObjects: 2, policy: 'lfu', sizeCalculation: (item) => item.size, dispose: () => undefined });
    lfu.set('a', { name: 'a', size: 1 });
    lfu.set('b', { name: 'b', size: 1 });
    lfu.peek('a');
    lfu.has('a');
    lfu.get('b');
    // a was never used: it goes, not b.
    lfu.set('c', { name: 'c', size: 1 });
    expect([lfu.has('a'), lfu.has('b'), lfu.has('c')]).toEqual([false, true, true]);
  });
});
