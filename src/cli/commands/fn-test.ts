import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EventInputError, invocationFromEvent } from '../../functions/event-input.ts';
import { requestInProfileShape, responseInProfileShape } from '../../functions/event-output.ts';
import { failureAnswer } from '../../functions/failures.ts';
import { checkFunction, loadFunction } from '../../functions/load.ts';
import { RUNTIMES, TRIGGERS, type FunctionHeaders, type FunctionRuntime, type FunctionSpec, type Invocation, type LoadedFunction, type InvocationResult, type Trigger } from '../../functions/types.ts';
import { didYouMean } from '../closest.ts';
import { HelpRequested, formatUsage, parseCommand, wantsHelp } from '../command-spec.ts';
import { choiceOption, numberOption } from '../option-values.ts';
import { fnTestSpec } from '../options/fn-test.ts';
import { UsageError } from '../usage-error.ts';

/**
 * `cdnsim fn test`: one function, one invocation, in the same sandbox the edge runs it in, like
 * `sam local invoke`. Loading (the cold start) and the invocation are timed apart, because a
 * person tuning a function wants to know which of the two is slow.
 */
export async function fnCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'test') {
    if (wantsHelp(args)) throw new HelpRequested(formatUsage(fnTestSpec));
    if (sub === undefined) throw new UsageError('fn takes a subcommand: cdnsim fn test FILE --runtime RUNTIME ... (cdnsim fn test --help)');
    throw new UsageError(`unknown subcommand 'fn ${sub}'${didYouMean(sub, ['test'])} (cdnsim fn test --help)`);
  }
  const { values, positionals } = parseCommand(fnTestSpec, rest);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('fn test takes exactly one FILE (the function source)');
  const runtime = choiceOption('runtime', values.runtime, RUNTIMES);
  if (!runtime) throw new UsageError(`--runtime is required: ${RUNTIMES.join(' or ')}`);
  const asked = choiceOption('trigger', values.trigger, TRIGGERS);
  const invocation = invocationFrom(runtime, asked, values);
  const timeoutMs = numberOption('timeout-ms', values['timeout-ms'], { integer: true, above: 0 });
  const spec: FunctionSpec = {
    id: path.basename(file).replace(/\.[^.]+$/, ''),
    file: path.resolve(file),
    runtime,
    triggers: [invocation.trigger],
    ...(timeoutMs === undefined ? {} : { viewerTimeoutMs: timeoutMs, originTimeoutMs: timeoutMs }),
  };
  const problems = await checkFunction(spec);
  if (problems.length > 0) throw new UsageError(oneLine(`${file}: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`));

  const run = await runOnce(spec, invocation);
  const answer = run.result.kind === 'failure' ? failureAnswer(runtime, run.result.reason) : undefined;
  if (values.json) process.stdout.write(`${JSON.stringify(jsonReport(spec, invocation.trigger, run, answer))}\n`);
  else process.stdout.write(textReport(spec, invocation.trigger, run, answer));
  if (run.result.kind === 'failure') process.exitCode = 1;
}

interface Run {
  result: InvocationResult;
  coldStartMs: number;
  invocationMs?: number;
}

/** A load that fails after the checks passed (the sandbox itself refused) is the function's failure, as CloudFront would report it. */
async function runOnce(spec: FunctionSpec, invocation: Invocation): Promise<Run> {
  const loading = performance.now();
  let loaded: LoadedFunction;
  try {
    loaded = await loadFunction(spec, 1);
  } catch (error) {
    return { result: { kind: 'failure', reason: 'error', message: (error as Error).message }, coldStartMs: performance.now() - loading };
  }
  const coldStartMs = performance.now() - loading;
  try {
    const invoking = performance.now();
    const result = await loaded.invoke(invocation);
    return { result, coldStartMs, invocationMs: performance.now() - invoking };
  } finally {
    await loaded.close();
  }
}

type Values = ReturnType<typeof parseCommand<typeof fnTestSpec.options>>['values'];

function invocationFrom(runtime: FunctionRuntime, trigger: Trigger | undefined, values: Values): Invocation {
  if (values.event !== undefined && values.url !== undefined) throw new UsageError('give --event or --url, not both');
  if (values.event !== undefined) {
    for (const option of ['header', 'method', 'client-ip'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option} goes with --url; the event file holds the request`);
    }
    return fromEventFile(runtime, values.event, trigger);
  }
  if (values.url === undefined) throw new UsageError('give --event EVENT.json (the event in the runtime\'s shape) or --url URL');
  const chosen = trigger ?? 'viewer-request';
  if (chosen !== 'viewer-request' && chosen !== 'origin-request') throw new UsageError(`a ${chosen} test needs a response: give it in --event EVENT.json`);
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url "${values.url}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be http or https, got ${url.protocol}`);
  const method = values.method ?? 'GET';
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method must be an HTTP method in capitals (GET, POST, ...), got "${method}"`);
  const headers: FunctionHeaders = { host: [url.host] };
  for (const line of values.header ?? []) {
    const [name, value] = headerLine(line);
    if (name === 'host') headers.host = [value];
    else headers[name] = [...(headers[name] ?? []), value];
  }
  return {
    trigger: chosen,
    request: { method, uri: url.pathname, querystring: url.search.slice(1), headers, clientIp: values['client-ip'] ?? '127.0.0.1' },
    context: { edgeId: 'local', requestId: `fn-test-${process.pid}` },
  };
}

function headerLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  const name = colon === -1 ? '' : line.slice(0, colon).trim().toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new UsageError(`--header "${line}" must be 'Name: value'`);
  const value = line.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new UsageError(`--header "${name}" holds a control character`);
  return [name, value];
}

function fromEventFile(runtime: FunctionRuntime, file: string, trigger: Trigger | undefined): Invocation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--event ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--event ${file}: not JSON (${(error as Error).message})`);
  }
  try {
    return invocationFromEvent(runtime, event, trigger);
  } catch (error) {
    if (error instanceof EventInputError) throw new UsageError(`--event ${file}: ${error.message} (a ${runtime} event)`);
    throw error;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function profileShape(spec: FunctionSpec, trigger: Trigger, result: InvocationResult): unknown {
  if (result.kind === 'request') return requestInProfileShape(spec.runtime, trigger, result.request);
  if (result.kind === 'response') return responseInProfileShape(spec.runtime, result.response);
  return undefined;
}

function jsonReport(spec: FunctionSpec, trigger: Trigger, run: Run, answer: ReturnType<typeof failureAnswer> | undefined) {
  const { result } = run;
  return {
    function: spec.id,
    runtime: spec.runtime,
    trigger,
    kind: result.kind,
    ...(result.kind === 'failure'
      ? { failure: { reason: result.reason, message: result.message, status: answer!.status, xCache: answer!.xCache } }
      : { result: profileShape(spec, trigger, result) }),
    coldStartMs: round(run.coldStartMs),
    ...(run.invocationMs === undefined ? {} : { invocationMs: round(run.invocationMs) }),
  };
}

function textReport(spec: FunctionSpec, trigger: Trigger, run: Run, answer: ReturnType<typeof failureAnswer> | undefined): string {
  const { result } = run;
  const lines = [`${spec.id} (${spec.runtime}) on ${trigger}:`];
  if (result.kind === 'failure') {
    lines.push(`  failed (${result.reason}): ${oneLine(result.message)}`);
    lines.push(`  CloudFront would answer ${answer!.status} with X-Cache: ${answer!.xCache}`);
  } else {
    const meaning =
      result.kind === 'request'
        ? 'returned the request: CloudFront goes on with it'
        : trigger === 'viewer-request' || trigger === 'origin-request'
          ? 'returned a response: CloudFront answers with it at the edge'
          : 'returned the response CloudFront delivers';
    lines.push(`  ${meaning}`);
    lines.push(indent(JSON.stringify(profileShape(spec, trigger, result), null, 2)));
  }
  const invocation = run.invocationMs === undefined ? 'not invoked (the load failed)' : `invocation ${run.invocationMs.toFixed(3)} ms`;
  lines.push(`cold start ${run.coldStartMs.toFixed(3)} ms, ${invocation}`);
  return `${lines.join('\n')}\n`;
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
