import { createIndexedLru } from './indexed-lru.ts';
import type { IndexedPolicyFactory } from './indexed-policy.ts';

/** The policies with an indexed twin, by their names in `POLICIES`. */
export const INDEXED_POLICIES: Readonly<Record<string, IndexedPolicyFactory>> = {
  lru: createIndexedLru,
};
