import { readTraceBatches } from '../trace/batch-reader.ts';
import { formatFromName, type ReadTraceOptions } from '../trace/formats.ts';
import { KeyInterner } from '../trace/key-interner.ts';

export interface WorkingSet {
  /** Unique keys among the requests of size > 0. */
  objects: number;
  /** The sum of those objects' first-seen sizes. */
  bytes: number;
}

/** A trace's working set, for cache sizes given as a fraction of it: one pass, keys interned (text formats). */
export async function workingSet(file: string, options: ReadTraceOptions = {}): Promise<WorkingSet> {
  if ((options.format ?? formatFromName(file)) === 'oracle-general') return workingSetOfStrings(file, options);
  const interner = new KeyInterner();
  let seen = new Uint8Array(1 << 16);
  let objects = 0;
  let bytes = 0;
  for await (const { ids, sizes, length } of readTraceBatches(file, { ...options, interner })) {
    if (seen.length < interner.size) {
      const bigger = new Uint8Array(Math.max(seen.length * 2, interner.size));
      bigger.set(seen);
      seen = bigger;
    }
    for (let i = 0; i < length; i++) {
      const id = ids![i]!;
      const size = sizes[i]!;
      if (size === 0 || seen[id] === 1) continue;
      seen[id] = 1;
      objects++;
      bytes += size;
    }
  }
  return { objects, bytes };
}

async function workingSetOfStrings(file: string, options: ReadTraceOptions): Promise<WorkingSet> {
  const seen = new Set<string>();
  let bytes = 0;
  for await (const { keys, sizes, length } of readTraceBatches(file, options)) {
    for (let i = 0; i < length; i++) {
      const key = keys[i]!;
      if (sizes[i] === 0 || seen.has(key)) continue;
      seen.add(key);
      bytes += sizes[i]!;
    }
  }
  return { objects: seen.size, bytes };
}
