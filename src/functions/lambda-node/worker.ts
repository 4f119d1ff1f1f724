import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { installFixedClock } from '../fixed-clock.ts';
import type { InvokeMessage, WorkerMessage, WorkerSetup } from './protocol.ts';

/**
 * One lambda-node worker thread: imports the function's module (from its file, so that its
 * relative imports resolve) and runs one invocation at a time, as one Lambda instance does.
 */
type Handler = (event: unknown, context: unknown, callback: (error?: unknown, result?: unknown) => void) => unknown;

const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('lambda-node worker: not started as a worker thread');

/** The worker's own time, for the remaining-time clock, whatever the function is shown. */
const realNow = Date.now.bind(Date);

/**
 * Installed before the function is imported, so that a Date it keeps from load time still
 * follows an invocation's fixed clock (offline runs); with none set, both are the real ones.
 */
const clock = installFixedClock(globalThis);

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
}

/** `export const handler`, `export async function handler`, or CommonJS `exports.handler` (seen through import's default). */
function handlerOf(module: Record<string, unknown>): Handler | undefined {
  const named = module['handler'];
  if (typeof named === 'function') return named as Handler;
  const fallback = (module['default'] as Record<string, unknown> | undefined)?.['handler'];
  return typeof fallback === 'function' ? (fallback as Handler) : undefined;
}

function lambdaContext(message: InvokeMessage, started: number): Record<string, unknown> {
  const name = setup.functionName;
  return {
    functionName: `us-east-1.${name}`,
    functionVersion: String(setup.version),
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:us-east-1.${name}:${setup.version}`,
    memoryLimitInMB: String(setup.memoryMb),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/us-east-1.${name}`,
    logStreamName: `cdnsim/${setup.version}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.timeoutMs - (realNow() - started)),
  };
}

/** A promise-returning handler is awaited; one that takes a callback (three parameters) is waited on; else its return value counts. */
function call(handler: Handler, event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, value?: unknown): void => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(value);
    };
    const returned = handler(event, context, (error, value) => settle(error, value));
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') {
      (returned as PromiseLike<unknown>).then((value) => settle(undefined, value), (error: unknown) => settle(error ?? new Error('rejected')));
    } else if (handler.length < 3) {
      settle(undefined, returned);
    }
  });
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<void> {
  let value: unknown;
  // For this call only: what the handler leaves running after it settles sees real time again.
  clock.set(message.clock);
  try {
    value = await call(handler, message.event, lambdaContext(message, realNow()));
  } catch (error) {
    post({ type: 'error', id: message.id, message: describe(error) });
    return;
  } finally {
    clock.set(undefined);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    post({ type: 'unserializable', id: message.id, message: `the result cannot be serialized: ${describe(error)}` });
    return;
  }
  post({ type: 'result', id: message.id, json });
}

/**
 * Node (without tsx's help) reads a .js file outside a "type": "module" package as CommonJS, so
 * `export const handler` there is a SyntaxError. The issue's functions are ES modules in .js
 * files, so then the function's own .js files are read as modules (a loader hook) and imported
 * again; a CommonJS function (`exports.handler`) loads on the first try and is left alone.
 */
const ESM_IN_COMMONJS = /Unexpected token 'export'|Cannot use import statement outside a module/;

const FORCE_MODULE_HOOK = `
let prefix;
export function initialize(data) { prefix = data.prefix; }
export async function load(url, context, nextLoad) {
  if (url.startsWith(prefix) && /\\.js(\\?|$)/.test(url) && !url.includes('/node_modules/')) return nextLoad(url, { ...context, format: 'module' });
  return nextLoad(url, context);
}`;

async function importFunction(): Promise<Record<string, unknown>> {
  const url = pathToFileURL(setup.file).href;
  try {
    return (await import(`${url}?v=${setup.version}`)) as Record<string, unknown>;
  } catch (error) {
    if (!setup.file.endsWith('.js') || !ESM_IN_COMMONJS.test(describe(error))) throw error;
    register(`data:text/javascript,${encodeURIComponent(FORCE_MODULE_HOOK)}`, { data: { prefix: new URL('.', url).href } });
    return (await import(`${url}?v=${setup.version}&as=module`)) as Record<string, unknown>;
  }
}

async function main(): Promise<void> {
  let handler: Handler | undefined;
  try {
    handler = handlerOf(await importFunction());
  } catch (error) {
    post({ type: 'load-error', message: `${setup.file} does not load: ${describe(error)}` });
    return;
  }
  if (!handler) {
    post({ type: 'load-error', message: `${setup.file} exports no function named handler (export const handler = async (event) => ...)` });
    return;
  }
  const ready = handler;
  port!.on('message', (message: InvokeMessage) => {
    if (message?.type === 'invoke') void invoke(ready, message);
  });
  post({ type: 'ready' });
}

void main();
