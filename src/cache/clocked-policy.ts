import CachePolicy from 'http-cache-semantics';
import type { Clock } from './clock.ts';

export type PolicyConstructor = new (
  req: CachePolicy.Request,
  res: CachePolicy.Response,
  options?: CachePolicy.Options,
) => CachePolicy;

/**
 * http-cache-semantics reads the time through its `now()` method; a subclass that answers from
 * an injected clock makes every freshness decision replayable at any time, e.g. a trace's.
 * (The library builds revalidated policies with `new this.constructor`, so the clock carries over.)
 */
export function clockedPolicyClass(clock: Clock): PolicyConstructor {
  return class ClockedPolicy extends CachePolicy {
    // Not in the type declarations, but the method every time check in the library goes through.
    now(): number {
      return clock();
    }
  };
}
