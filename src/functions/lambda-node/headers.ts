import type { FunctionHeaders, Trigger } from '../types.ts';

/** Lambda@Edge's header form: lowercase name -> [{ key: the name as sent, value }]. */
export type LambdaEdgeHeaders = Record<string, Array<{ key?: string; value: string }>>;

/** 'x-forwarded-for' -> 'X-Forwarded-For': the edge keeps names lowercase, CloudFront shows them as sent. */
function displayName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

export function toLambdaHeaders(headers: FunctionHeaders): LambdaEdgeHeaders {
  const out: LambdaEdgeHeaders = {};
  for (const [name, values] of Object.entries(headers)) {
    out[name] = values.map((value) => ({ key: displayName(name), value }));
  }
  return out;
}

/** A header map from a function's result, checked; a string says what is wrong with it. */
export function fromLambdaHeaders(raw: unknown, where: string): FunctionHeaders | string {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `${where}: headers must be an object of lowercase name -> [{ key, value }]`;
  const out: FunctionHeaders = {};
  for (const [name, list] of Object.entries(raw)) {
    if (name !== name.toLowerCase()) return `${where}: header name "${name}" must be lowercase (put the display form in key)`;
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return `${where}: "${name}" is not a valid header name`;
    if (!Array.isArray(list)) return `${where}: headers["${name}"] must be a list of { key, value }`;
    const values: string[] = [];
    for (const entry of list as unknown[]) {
      if (typeof entry !== 'object' || entry === null) return `${where}: headers["${name}"] holds a non-object`;
      const { key, value } = entry as { key?: unknown; value?: unknown };
      if (typeof value !== 'string') return `${where}: headers["${name}"] value must be a string`;
      if (/[\r\n\0]/.test(value)) return `${where}: headers["${name}"] value holds a control character`;
      if (key !== undefined && (typeof key !== 'string' || key.toLowerCase() !== name)) {
        return `${where}: headers["${name}"] key "${String(key)}" does not match its name`;
      }
      values.push(value);
    }
    if (values.length > 0) out[name] = values;
  }
  return out;
}

/**
 * Headers a function may read but not add, remove or change, per trigger (the "Read-only headers"
 * lists of CloudFront's "Restrictions on edge functions"), and the ones it may never set at all
 * (its "Disallowed headers"; the documented subset that a simulated edge can mean).
 */
const READ_ONLY: Record<Trigger, readonly string[]> = {
  'viewer-request': ['content-length', 'host', 'transfer-encoding', 'via'],
  'origin-request': [
    'accept-encoding', 'content-length', 'if-modified-since', 'if-none-match', 'if-range',
    'if-unmodified-since', 'range', 'transfer-encoding', 'via',
  ],
  'origin-response': ['transfer-encoding', 'via'],
  'viewer-response': ['content-encoding', 'content-length', 'transfer-encoding', 'warning', 'via'],
};

const DISALLOWED = [
  'connection', 'expect', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'trailer', 'upgrade', 'x-accel-buffering', 'x-accel-charset', 'x-accel-limit-rate', 'x-accel-redirect',
  'x-cache', 'x-forwarded-proto', 'x-real-ip',
] as const;

function sameValues(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return left.length === right.length && left.every((value, i) => value === right[i]);
}

/** What is wrong with `after` as the trigger's changes to `before` (null: nothing). */
export function headerChangeProblem(trigger: Trigger, before: FunctionHeaders, after: FunctionHeaders): string | null {
  for (const name of READ_ONLY[trigger]) {
    if (!sameValues(before[name], after[name])) return `the function tried to add, delete or change the read-only header "${name}" on ${trigger}`;
  }
  for (const name of DISALLOWED) {
    if (!sameValues(before[name], after[name])) return `the function tried to set the disallowed header "${name}"`;
  }
  return null;
}

/** A generated response's headers must not carry what the edge itself frames the message with. */
export function generatedHeaderProblem(headers: FunctionHeaders): string | null {
  for (const name of [...DISALLOWED, 'transfer-encoding']) {
    if (headers[name] !== undefined) return `a generated response may not set "${name}"`;
  }
  return null;
}

/** Bytes the headers take as name: value lines, for the generated-response quota. */
export function headerBytes(headers: FunctionHeaders): number {
  let bytes = 0;
  for (const [name, values] of Object.entries(headers)) {
    for (const value of values) bytes += Buffer.byteLength(name) + 2 + Buffer.byteLength(value) + 2;
  }
  return bytes;
}
