import type { PolicyFactory } from './eviction-policy.ts';
import { createClock, createFifo, createSieve } from './fifo-family.ts';
import { createArc } from './arc.ts';
import { createBelady } from './belady.ts';
import { createLfu } from './lfu.ts';
import { createLru } from './lru.ts';
import { createS3Fifo } from './s3fifo.ts';

/** The policies the simulator knows, by the lower-case names used on the command line. */
export const POLICIES: Readonly<Record<string, PolicyFactory>> = {
  lru: createLru,
  fifo: createFifo,
  clock: createClock,
  sieve: createSieve,
  s3fifo: createS3Fifo,
  lfu: createLfu,
  arc: createArc,
  belady: createBelady,
};
