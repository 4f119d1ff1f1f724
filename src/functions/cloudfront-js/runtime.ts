/**
 * The cloudfront-js profile: CloudFront Functions run in a QuickJS sandbox (work in progress).
 */
import type { FunctionSpec, LoadedFunction, Trigger } from '../types.ts';

export async function loadCloudFrontFunction(spec: FunctionSpec, source: string, version: number): Promise<LoadedFunction> {
  void spec; void source; void version;
  throw new Error('cloudfront-js runtime: not yet');
}

export async function checkCloudFrontSource(source: string, triggers: readonly Trigger[]): Promise<string[]> {
  void source; void triggers;
  throw new Error('cloudfront-js runtime: not yet');
}
