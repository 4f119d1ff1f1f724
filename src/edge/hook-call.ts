import type { HookAnswer } from './hooks.ts';

/** What the client gets when a hook itself is broken (a defect of the edge, not a function's failure: those are answered by the hook). */
const HOOK_DEFECT: HookAnswer = {
  status: 500,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  body: 'Internal Server Error: an edge hook failed\n',
  cacheStatus: 'error',
  detail: 'hook-defect',
  final: true,
};

/**
 * Calls a hook that may answer now or later, turning a throw or a rejection into a 500 answer,
 * so that no caller needs a try around it. A synchronous answer stays synchronous.
 */
export function runHook(call: () => HookAnswer | void | Promise<HookAnswer | void>): HookAnswer | void | Promise<HookAnswer | void> {
  let result: HookAnswer | void | Promise<HookAnswer | void>;
  try {
    result = call();
  } catch (error) {
    console.error('edge hook failed:', error);
    return HOOK_DEFECT;
  }
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      console.error('edge hook failed:', error);
      return HOOK_DEFECT;
    });
  }
  return result;
}
