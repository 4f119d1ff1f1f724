import { readFile } from 'node:fs/promises';
import { CLOUDFRONT_JS_MAX_CODE_BYTES, triggerProblem } from './limits.ts';
import type { FunctionSpec, LoadedFunction } from './types.ts';

/**
 * Reads the function's file (unless given the source read from it) and compiles it in its
 * runtime's sandbox. Rejects with a readable message.
 */
export async function loadFunction(spec: FunctionSpec, version: number, sourceRead?: string): Promise<LoadedFunction> {
  const source = sourceRead ?? (await readSource(spec.file));
  const problems = staticProblems(spec, source);
  if (problems.length > 0) throw new Error(`function ${spec.id}: ${problems.map((problem) => problem.message).join('; ')}`);
  return spec.runtime === 'cloudfront-js'
    ? (await cloudFrontRuntime()).loadCloudFrontFunction(spec, source, version)
    : (await lambdaRuntime()).loadLambdaFunction(spec, source, version);
}

/*
 * Each runtime is imported when a function of its profile is first loaded: an edge without
 * functions (most of them) starts without QuickJS's WebAssembly or the worker pool's code.
 */
const cloudFrontRuntime = () => import('./cloudfront-js/runtime.ts');
const lambdaRuntime = () => import('./lambda-node/runtime.ts');

/** One thing wrong with a function, at a field of its configuration entry ('file', 'triggers[1]'). */
export interface FunctionProblem {
  field: string;
  message: string;
}

/** Everything `cdnsim validate` can tell before running the function: [] when it would load. */
export async function checkFunction(spec: FunctionSpec): Promise<FunctionProblem[]> {
  let source: string;
  try {
    source = await readSource(spec.file);
  } catch (error) {
    return [{ field: 'file', message: (error as Error).message }];
  }
  const problems = staticProblems(spec, source);
  // The sandbox's own check only for what it can be asked: a runtime on a trigger it refuses says nothing new.
  if (problems.length > 0) return problems;
  try {
    const messages =
      spec.runtime === 'cloudfront-js'
        ? await (await cloudFrontRuntime()).checkCloudFrontSource(source, spec.triggers)
        : await (await lambdaRuntime()).checkLambdaSource(source, spec.triggers, spec.file);
    return messages.map((message) => ({ field: 'file', message }));
  } catch (error) {
    return [{ field: 'file', message: `could not be checked: ${(error as Error).message}` }];
  }
}

/** The limits known without compiling: triggers for the profile, and code size. */
function staticProblems(spec: FunctionSpec, source: string): FunctionProblem[] {
  const problems: FunctionProblem[] = [];
  spec.triggers.forEach((trigger, index) => {
    const problem = triggerProblem(spec.runtime, trigger);
    if (problem) problems.push({ field: `triggers[${index}]`, message: problem });
  });
  const bytes = Buffer.byteLength(source);
  if (spec.runtime === 'cloudfront-js' && bytes > CLOUDFRONT_JS_MAX_CODE_BYTES) {
    problems.push({ field: 'file', message: `${spec.file} is ${bytes} bytes; CloudFront Functions code is limited to ${CLOUDFRONT_JS_MAX_CODE_BYTES} bytes (10 KB)` });
  }
  return problems;
}

async function readSource(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`);
  }
}
