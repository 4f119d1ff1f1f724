import type { FunctionSpec, LoadedFunction, Trigger } from '../types.ts';

/** Lambda@Edge profile: loads a Node handler into its own pool of worker threads. */
export async function loadLambdaFunction(_spec: FunctionSpec, _source: string, _version: number): Promise<LoadedFunction> {
  throw new Error('lambda-node runtime: not yet');
}

/** Problems with a Lambda@Edge source for these triggers ([] = ok). */
export async function checkLambdaSource(_source: string, _triggers: readonly Trigger[]): Promise<string[]> {
  throw new Error('lambda-node runtime: not yet');
}
