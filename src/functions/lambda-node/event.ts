import type { Invocation } from '../types.ts';

/** The Lambda@Edge event for an invocation (Records[0].cf.{config, request, response}). */
export function lambdaEdgeEvent(_invocation: Invocation): unknown {
  throw new Error('lambda-node event: not yet');
}
