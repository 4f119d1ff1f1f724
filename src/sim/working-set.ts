import { readTraceBatches } from '../trace/batch-reader.ts';
import { formatFromName, type ReadTraceOptions } from '../trace/formats.ts';
import { KeyInterner } from '../trace/key-interner.ts';
import { RequestSpool } from './request-spool.ts';
import { indexable } from './simulate.ts';

export interface WorkingSet {
  /** Unique keys among the requests of size > 0. */
  objects: number;
  /** The sum of those objects' first-seen sizes. */
  bytes: number;
}

export interface FirstPass {
  workingSet: WorkingSet;
  /** The requests, interned, for `simulateFile` to replay instead of reading the text again. */
  spool?: RequestSpool;
}

/**
 * The pass that fraction cache sizes need before the simulation: the working set, and when every
 * policy has an indexed twin (text formats), the interned requests spooled for the replay.
 */
export async function firstPass(file: string, options: ReadTraceOptions, policies: readonly string[]): Promise<FirstPass> {
  const text = (options.format ?? formatFromName(file)) !== 'oracle-general';
  if (!text || !indexable(policies.map((policy) => ({ policy, capacity: 1, mode: 'objects' })))) return { workingSet: await workingSet(file, options) };
  const spool = await RequestSpool.create();
  try {
    return { workingSet: await workingSet(file, options, spool), spool };
  } catch (error) {
    await spool.discard();
    throw error;
  }
}

/**
 * A trace's working set, for cache sizes given as a fraction of it: one pass, keys interned (text
 * formats), the requests appended to `spool` if given.
 */
export async function workingSet(file: string, options: ReadTraceOptions = {}, spool?: RequestSpool): Promise<WorkingSet> {
  if ((options.format ?? formatFromName(file)) === 'oracle-general') return workingSetOfStrings(file, options);
  const interner = new KeyInterner();
  let seen = new Uint8Array(1 << 16);
  let objects = 0;
  let bytes = 0;
  const onSkip = spool ? () => spool.skipped++ : undefined;
  for await (const batch of readTraceBatches(file, { ...options, interner, ...(onSkip ? { onSkip } : {}) })) {
    const { ids, sizes, length } = batch;
    if (spool) await spool.append(batch);
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
