import path from 'node:path';
import { z } from 'zod';
import { RUNTIMES, TRIGGERS, type FunctionRuntime, type FunctionSpec, type Trigger } from '../../functions/types.ts';
import { functionSchema, formatPath } from '../../topology/schema.ts';
import { orList } from '../option-values.ts';
import { UsageError } from '../usage-error.ts';

/**
 * The functions `cdnsim edge` runs: the supervisor's --functions-json (the topology's entries
 * for this edge, files already absolute), and --function TRIGGER=FILE for an edge run alone
 * (one function per file, on every trigger it is given for, named after the file).
 */
export function edgeFunctionSpecs(json: string | undefined, attached: readonly string[] | undefined, runtimeName: string): FunctionSpec[] {
  const specs = json === undefined ? [] : fromJson(json);
  if (!attached?.length) return specs;
  if (!(RUNTIMES as readonly string[]).includes(runtimeName)) throw new UsageError(`--function-runtime must be ${orList(RUNTIMES)}, got "${runtimeName}"`);
  const runtime = runtimeName as FunctionRuntime;
  const byFile = new Map<string, Trigger[]>();
  for (const option of attached) {
    const equals = option.indexOf('=');
    const trigger = option.slice(0, equals);
    const file = option.slice(equals + 1);
    if (equals <= 0 || !file) throw new UsageError(`--function takes TRIGGER=FILE, e.g. viewer-request=./rewrite.js; got "${option}"`);
    if (!(TRIGGERS as readonly string[]).includes(trigger)) throw new UsageError(`--function: the trigger must be ${orList(TRIGGERS)}, got "${trigger}"`);
    const absolute = path.resolve(file);
    byFile.set(absolute, [...(byFile.get(absolute) ?? []), trigger as Trigger]);
  }
  const ids = new Set(specs.map((spec) => spec.id));
  for (const [file, triggers] of byFile) {
    let id = path.basename(file).replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 32) || 'fn';
    while (ids.has(id)) id = `${id.slice(0, 30)}-${ids.size}`;
    ids.add(id);
    specs.push({ id, file, runtime, triggers });
  }
  return specs;
}

function fromJson(json: string): FunctionSpec[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--functions-json is not JSON: ${(error as Error).message}`);
  }
  const parsed = z.array(functionSchema).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--functions-json: ${formatPath(issue.path)}: ${issue.message}`);
  }
  return parsed.data.map((config) => ({ ...config, file: path.resolve(config.file) }));
}
