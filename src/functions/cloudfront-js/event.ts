/**
 * The CloudFront Functions event shape, built from a runtime-neutral invocation (work in progress).
 */
import type { Invocation } from '../types.ts';

export function cloudFrontFunctionsEvent(invocation: Invocation): unknown {
  void invocation;
  throw new Error('cloudfront-js event: not yet');
}
