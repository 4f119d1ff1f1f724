import { CODE_MAX_BYTES } from './cloudfront-js/limits.ts';
import type { FunctionRuntime, Trigger } from './types.ts';

/**
 * The published limits that the configuration can check before anything runs (the runtimes
 * enforce the rest at invocation time). CloudFront Functions: code up to 10 KB and viewer events
 * only; Lambda@Edge: all four events.
 */
export const CLOUDFRONT_JS_MAX_CODE_BYTES = CODE_MAX_BYTES;

const ALLOWED_TRIGGERS: Record<FunctionRuntime, ReadonlySet<Trigger>> = {
  'cloudfront-js': new Set(['viewer-request', 'viewer-response']),
  'lambda-node': new Set(['viewer-request', 'origin-request', 'origin-response', 'viewer-response']),
};

export function triggerAllowed(runtime: FunctionRuntime, trigger: Trigger): boolean {
  return ALLOWED_TRIGGERS[runtime].has(trigger);
}

/** Why a trigger is refused for a runtime, as the validate error reads. */
export function triggerProblem(runtime: FunctionRuntime, trigger: Trigger): string | undefined {
  if (triggerAllowed(runtime, trigger)) return undefined;
  return `${runtime} runs on viewer triggers only (viewer-request, viewer-response), not ${trigger}`;
}
