/**
 * The cloudfront-js profile: CloudFront Functions, each in its own QuickJS sandbox (never
 * node:vm, which is no security boundary) on its own worker thread, reused across invocations
 * and rebuilt from the same code after an invocation that broke a limit (worker-host.ts says why
 * a thread: QuickJS checks its limits only now and then).
 */
import { fixedClockOf } from '../fixed-clock.ts';
import type { FunctionSpec, Invocation, InvocationResult, LoadedFunction, Trigger } from '../types.ts';
import { cloudFrontFunctionsEvent, isViewerTrigger } from './event.ts';
import {
  CODE_MAX_BYTES,
  DEFAULT_COMPUTE_BUDGET_MS,
  LOAD_BUDGET_MS,
  LOG_MAX_BYTES,
  MEMORY_LIMIT_BYTES,
  STACK_LIMIT_BYTES,
  WALL_BACKSTOP_FACTOR,
  WASM_MEMORY_CEILING_BYTES,
  WATCHDOG_GRACE_MS,
} from './limits.ts';
import { invocationResultOf } from './result.ts';
import { CompileError, quickJsModule, Sandbox, type SandboxLimits } from './sandbox.ts';
import { SandboxThread } from './worker-host.ts';

export interface CloudFrontRuntimeOptions {
  /** Per-invocation compute budget in ms (default DEFAULT_COMPUTE_BUDGET_MS); tests may narrow or widen it. */
  computeBudgetMs?: number;
  /** Where console.log lines go; by default the process's stdout, prefixed with the function's id. */
  log?: (line: string) => void;
}

function limitsOf(options: CloudFrontRuntimeOptions): SandboxLimits {
  return {
    computeBudgetMs: options.computeBudgetMs ?? DEFAULT_COMPUTE_BUDGET_MS,
    loadBudgetMs: LOAD_BUDGET_MS,
    memoryLimitBytes: MEMORY_LIMIT_BYTES,
    stackLimitBytes: STACK_LIMIT_BYTES,
    logMaxBytes: LOG_MAX_BYTES,
  };
}

/** What is wrong with the code as a CloudFront Function on these triggers ([] when nothing is). */
export async function checkCloudFrontSource(source: string, triggers: readonly Trigger[]): Promise<string[]> {
  const problems: string[] = [];
  const bytes = Buffer.byteLength(source);
  if (bytes > CODE_MAX_BYTES) problems.push(`the code is ${bytes} bytes, over CloudFront Functions' ${CODE_MAX_BYTES} (10 KB)`);
  for (const trigger of triggers) {
    if (!isViewerTrigger(trigger)) problems.push(`cloudfront-js runs on viewer triggers only (viewer-request, viewer-response), not ${trigger}`);
  }
  try {
    const sandbox = Sandbox.create(await quickJsModule(), source, limitsOf({}), () => {});
    sandbox.dispose();
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    problems.push(error.message);
  }
  return problems;
}

/** Every cloudfront-js function of the process lives on this one thread (started with the first load). */
const sandboxThread = new SandboxThread({ wasmMemoryCeilingBytes: WASM_MEMORY_CEILING_BYTES });
let loads = 0;

/** Compiles the function into the sandbox thread; rejects with the problems checkCloudFrontSource would name. */
export async function loadCloudFrontFunction(
  spec: FunctionSpec,
  source: string,
  version: number,
  options: CloudFrontRuntimeOptions = {},
): Promise<LoadedFunction> {
  const problems = await checkCloudFrontSource(source, spec.triggers);
  if (problems.length > 0) throw new Error(`function ${spec.id}: ${problems.join('; ')}`);
  const log = options.log ?? ((line: string) => console.log(`[function ${spec.id} v${version}] ${line}`));
  const limits = limitsOf(options);
  const watchdogMs = limits.computeBudgetMs * WALL_BACKSTOP_FACTOR + WATCHDOG_GRACE_MS;
  // Unique per load: a reloaded version runs beside the old one until the old one's runs finish.
  const key = `${spec.id}@${version}#${++loads}`;
  try {
    await sandboxThread.load(key, source, limits);
  } catch (error) {
    throw new Error(`function ${spec.id}: ${(error as Error).message}`);
  }
  let open = true;

  async function invoke(invocation: Invocation): Promise<InvocationResult> {
    if (!open) return { kind: 'failure', reason: 'error', message: `function ${spec.id} is closed` };
    if (!isViewerTrigger(invocation.trigger)) {
      return { kind: 'failure', reason: 'error', message: `cloudfront-js runs on viewer triggers only, not ${invocation.trigger}` };
    }
    const { run, logs } = await sandboxThread.run(key, JSON.stringify(cloudFrontFunctionsEvent(invocation)), watchdogMs, fixedClockOf(invocation.context));
    for (const line of logs) log(line);
    if (!run.ok) return { kind: 'failure', reason: run.reason, message: run.message };
    return invocationResultOf(invocation, run.returned);
  }

  return {
    spec,
    version,
    invoke: async (invocation) => {
      try {
        return await invoke(invocation);
      } catch (error) {
        // A bug on this side of the sandbox must not take the edge down: it answers as the function's error.
        return { kind: 'failure', reason: 'error', message: `cloudfront-js runtime: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
    close: async () => {
      if (!open) return;
      open = false;
      await sandboxThread.unload(key);
    },
  };
}
