import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRIGGERS, type FunctionSpec, type Invocation, type InvocationResult, type LoadedFunction, type Trigger } from '../types.ts';
import { fixedClockOf } from '../fixed-clock.ts';
import { lambdaEdgeEvent } from './event.ts';
import { isViewerTrigger, LAMBDA_LIMITS } from './limits.ts';
import { LambdaWorkerPool, type PoolOptions } from './pool.ts';
import { parseLambdaResult } from './result.ts';

export interface LambdaRuntimeOptions {
  /** Worker threads per function at most (default 2): each runs one invocation at a time. */
  poolSize?: number;
  /** The old-generation heap cap of each worker (default Lambda@Edge's 128 MB). */
  memoryMb?: number;
  /** How long importing the module may take (default 10 s). */
  loadTimeoutMs?: number;
  /** Where a function's console output goes (default: the edge's stderr, each line marked with the function). */
  onLog?: (functionId: string, line: string) => void;
}

const DEFAULT_POOL_SIZE = 2;
const DEFAULT_LOAD_TIMEOUT_MS = 10_000;
/** The young generation is kept small: a function's garbage is short-lived, and the cap is on the whole heap. */
const YOUNG_GENERATION_MB = 16;
const STACK_MB = 4;

function poolOptions(functionId: string, options: LambdaRuntimeOptions): PoolOptions {
  const onLog = options.onLog ?? ((id: string, line: string) => process.stderr.write(`[fn ${id}] ${line}\n`));
  return {
    size: Math.max(1, options.poolSize ?? DEFAULT_POOL_SIZE),
    resourceLimits: { maxOldGenerationSizeMb: options.memoryMb ?? LAMBDA_LIMITS.memoryMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, stackSizeMb: STACK_MB },
    loadTimeoutMs: options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
    onLog: (line) => onLog(functionId, line),
  };
}

/** The file to import: the function's own (its relative imports resolve), or the source in a scratch file when there is none. */
async function moduleFile(file: string | undefined, source: string): Promise<{ file: string; cleanup: () => Promise<void> }> {
  if (file && existsSync(file)) return { file, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'cdnsim-lambda-'));
  const scratch = join(dir, 'index.mjs');
  await writeFile(scratch, source);
  return { file: scratch, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function timeoutFor(spec: FunctionSpec, trigger: Trigger): number {
  return isViewerTrigger(trigger) ? spec.viewerTimeoutMs ?? LAMBDA_LIMITS.viewerTimeoutMs : spec.originTimeoutMs ?? LAMBDA_LIMITS.originTimeoutMs;
}

/**
 * Lambda@Edge profile: the handler module loaded into its own worker threads (heap capped, no
 * access to the edge's memory or environment); rejects when it does not load or has no handler.
 */
export async function loadLambdaFunction(spec: FunctionSpec, source: string, version: number, options: LambdaRuntimeOptions = {}): Promise<LoadedFunction> {
  if (spec.runtime !== 'lambda-node') throw new Error(`${spec.id}: runtime ${spec.runtime} is not lambda-node`);
  const { file, cleanup } = await moduleFile(spec.file, source);
  const setup = { file, functionName: spec.id, version, memoryMb: options.memoryMb ?? LAMBDA_LIMITS.memoryMb };
  let pool: LambdaWorkerPool;
  try {
    pool = await LambdaWorkerPool.start(setup, poolOptions(spec.id, options));
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    spec,
    version,
    async invoke(invocation: Invocation): Promise<InvocationResult> {
      const outcome = await pool.invoke(lambdaEdgeEvent(invocation), invocation.context.requestId, timeoutFor(spec, invocation.trigger), fixedClockOf(invocation.context));
      if (outcome.kind === 'failure') return outcome;
      return parseLambdaResult(invocation, outcome.json === undefined ? undefined : JSON.parse(outcome.json));
    },
    async close(): Promise<void> {
      await pool.close();
      await cleanup();
    },
  };
}

/**
 * Problems with a Lambda@Edge source for these triggers ([] = ok): triggers, code size, and
 * whether the module loads and exports a handler, found by loading it in a worker as the edge
 * would (so its top-level code runs). Pass the file when there is one, so relative imports resolve.
 */
export async function checkLambdaSource(source: string, triggers: readonly Trigger[], file?: string): Promise<string[]> {
  const problems: string[] = [];
  const known = new Set<string>(TRIGGERS);
  for (const trigger of triggers) if (!known.has(trigger)) problems.push(`"${trigger}" is not a trigger (one of ${TRIGGERS.join(', ')})`);
  if (new Set(triggers).size !== triggers.length) problems.push('a trigger is listed twice');
  const bytes = Buffer.byteLength(source);
  const viewer = triggers.some((trigger) => isViewerTrigger(trigger));
  const limit = viewer ? LAMBDA_LIMITS.viewerCodeBytes : LAMBDA_LIMITS.originCodeBytes;
  if (bytes > limit) problems.push(`the code is ${bytes} bytes, over Lambda@Edge's ${limit} for ${viewer ? 'viewer' : 'origin'} triggers`);
  const module = await moduleFile(file, source);
  try {
    const pool = await LambdaWorkerPool.start(
      { file: module.file, functionName: 'check', version: 1, memoryMb: LAMBDA_LIMITS.memoryMb },
      { ...poolOptions('check', { onLog: () => {} }), size: 1 },
    );
    await pool.close();
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    await module.cleanup();
  }
  return problems;
}
