import type { InvocationContext } from './types.ts';

/**
 * An invocation's fixed time and random seed, so that an offline run gives the same results every
 * time: Date.now() and `new Date()` give `now` for the whole call, and Math.random is a
 * xorshift32 generator started from `seed` (a 32-bit FNV-1a hash of the request id). Both
 * sandboxes (QuickJS for cloudfront-js, the lambda-node worker) use the same generator, so one
 * request id gives one sequence whatever the profile.
 */
export interface FixedClock {
  now: number;
  seed: number;
}

/** The clock an invocation asks for: none unless its context fixes the time. */
export function fixedClockOf(context: InvocationContext): FixedClock | undefined {
  return context.now === undefined ? undefined : { now: context.now, seed: seedOf(context.requestId) };
}

/** FNV-1a over the UTF-16 code units; never 0, which xorshift cannot leave. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash === 0 ? 1 : hash;
}

/** xorshift32 (Marsaglia's 13/17/5 triple); floats in [0, 1). The QuickJS copy is in cloudfront-js/sandbox.ts's prelude. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/**
 * Replaces `scope`'s Date and Math.random, once, with versions that follow `set`'s clock while
 * one is set and are the real ones otherwise (so code that kept a reference to Date at load still
 * sees the fixed time). For a thread that runs one invocation at a time: the lambda-node worker.
 */
export function installFixedClock(scope: { Date: DateConstructor; Math: Math }): { set(clock: FixedClock | undefined): void } {
  const RealDate = scope.Date;
  const realNow = RealDate.now.bind(RealDate);
  const realRandom = scope.Math.random.bind(scope.Math);
  let fixed: FixedClock | undefined;
  let random: (() => number) | undefined;
  // A function, not a subclass, so that Date() without new still answers a string.
  function FixedDate(this: unknown, ...args: unknown[]): Date | string {
    if (!new.target) return fixed ? new RealDate(fixed.now).toString() : RealDate();
    const from = args.length === 0 && fixed ? [fixed.now] : args;
    return Reflect.construct(RealDate, from, new.target) as Date;
  }
  Object.defineProperties(FixedDate, {
    name: { value: 'Date' },
    prototype: { value: RealDate.prototype },
    now: { value: () => (fixed ? fixed.now : realNow()), writable: true, configurable: true },
    parse: { value: RealDate.parse, writable: true, configurable: true },
    UTC: { value: RealDate.UTC, writable: true, configurable: true },
  });
  scope.Date = FixedDate as unknown as DateConstructor;
  scope.Math.random = () => (random ? random() : realRandom());
  return {
    set(clock) {
      fixed = clock;
      random = clock ? seededRandom(clock.seed) : undefined;
    },
  };
}
