/**
 * What a handler returned, folded back from CloudFront Functions' field objects into the neutral
 * shapes, checking each part on the way: a malformed part is an InvalidResult naming its path
 * (`request.headers['x-a'].value must be a string`), which the runtime answers as 'invalid-result'.
 *
 * Repeated names follow AWS's multiValue rules: a changed `multiValue` replaces every value (its
 * `value` is then ignored); otherwise `value` replaces the first and the later ones stay.
 */
import type { FunctionHeaders } from '../types.ts';
import type { CfCookies } from './event-types.ts';
import { parseCookieHeaders, parseQuerystring, setCookieFields } from './fields.ts';

export class InvalidResult extends Error {}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** What Node lets through in a header value: no control characters but tab (so no CR/LF smuggling). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** What may stand in a request target: no whitespace, controls or '#'. */
const TARGET_TEXT = /^[^\s\x00-\x1f\x7f#]*$/;
/** Cookie names and values as they may appear in a Cookie/Set-Cookie pair. */
const COOKIE_TEXT = /^[^\s\x00-\x1f\x7f;,]*$/;

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(path: string, name: string): string {
  return /^[a-z_$][\w$]*$/i.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function stringAt(value: unknown, path: string, pattern: RegExp, what: string): string {
  if (typeof value !== 'string') throw new InvalidResult(`${path} must be a string, not ${describe(value)}`);
  if (!pattern.test(value)) throw new InvalidResult(`${path} ${what}`);
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export function objectAt(value: unknown, path: string): Json {
  if (!isObject(value)) throw new InvalidResult(`${path} must be an object, not ${describe(value)}`);
  return value;
}

interface FieldRules {
  value: RegExp;
  valueProblem: string;
}

/** One field's values after the multiValue rules, given the values it had in the event. */
function valuesOf(field: unknown, path: string, original: readonly string[] | undefined, rules: FieldRules): string[] {
  const entry = objectAt(field, path);
  const value = stringAt(entry['value'], `${path}.value`, rules.value, rules.valueProblem);
  const multi = entry['multiValue'];
  if (multi === undefined) return [value];
  if (!Array.isArray(multi)) throw new InvalidResult(`${path}.multiValue must be an array, not ${describe(multi)}`);
  const values = multi.map((item, i) =>
    stringAt(objectAt(item, `${path}.multiValue[${i}]`)['value'], `${path}.multiValue[${i}].value`, rules.value, rules.valueProblem),
  );
  if (original && sameValues(values, original)) return [value, ...original.slice(1)];
  return values.length === 0 ? [value] : values;
}

function foldFields(
  fields: unknown,
  path: string,
  originals: ReadonlyMap<string, readonly string[]>,
  nameRule: { pattern: RegExp; problem: string },
  rules: FieldRules,
): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const [name, field] of Object.entries(objectAt(fields, path))) {
    const fieldPath = at(path, name);
    if (!nameRule.pattern.test(name)) throw new InvalidResult(`${fieldPath}: ${nameRule.problem}`);
    byName.set(name, valuesOf(field, fieldPath, originals.get(name), rules));
  }
  return byName;
}

function sameGroups(a: ReadonlyMap<string, readonly string[]>, b: ReadonlyMap<string, readonly string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, values] of a) {
    const other = b.get(name);
    if (!other || !sameValues(values, other)) return false;
  }
  return true;
}

/** The raw query string; unchanged parameters give back the viewer's exact text. */
export function foldQuerystring(fields: unknown, path: string, original: string): string {
  const originals = parseQuerystring(original);
  const rule = { pattern: /^[^\s\x00-\x1f\x7f#&=]+$/, problem: "a query parameter name must be non-empty, without whitespace, '#', '&' or '='" };
  const folded = foldFields(fields, path, originals, rule, { value: TARGET_TEXT, valueProblem: "must not contain whitespace, control characters or '#'" });
  if (sameGroups(folded, originals)) return original;
  const parts: string[] = [];
  for (const [name, values] of folded) for (const value of values) parts.push(value === '' ? name : `${name}=${value}`);
  return parts.join('&');
}

/** Header fields (names lowercase, as AWS requires of a function) into the neutral lists; `carriedApart` (cookie or set-cookie) must not be among them. */
export function foldHeaders(fields: unknown, path: string, original: FunctionHeaders, carriedApart: string, apartPath: string): FunctionHeaders {
  const originals = new Map(Object.entries(original));
  const rule = { pattern: HEADER_NAME, problem: 'a header name must be a lowercase HTTP token' };
  const folded = foldFields(fields, path, originals, rule, { value: HEADER_VALUE, valueProblem: 'must not contain control characters (CR, LF, NUL)' });
  if (folded.has(carriedApart)) throw new InvalidResult(`${at(path, carriedApart)}: ${carriedApart} belongs in ${apartPath}`);
  return Object.fromEntries(folded);
}

/** Request cookies into Cookie header lines: unchanged cookies keep the viewer's lines. */
export function foldCookies(fields: unknown, path: string, originalLines: readonly string[]): string[] {
  const originals = parseCookieHeaders(originalLines);
  const rule = { pattern: /^[^\s\x00-\x1f\x7f;,=]+$/, problem: "a cookie name must be non-empty, without whitespace, ';', ',' or '='" };
  const folded = foldFields(fields, path, originals, rule, { value: COOKIE_TEXT, valueProblem: "must not contain whitespace, control characters, ';' or ','" });
  if (sameGroups(folded, originals)) return [...originalLines];
  const pairs: string[] = [];
  for (const [name, values] of folded) for (const value of values) pairs.push(`${name}=${value}`);
  return pairs.length === 0 ? [] : [pairs.join('; ')];
}

interface SetCookieEntry {
  value: string;
  attributes?: string;
}

function setCookieEntry(item: unknown, path: string): SetCookieEntry {
  const entry = objectAt(item, path);
  const value = stringAt(entry['value'], `${path}.value`, COOKIE_TEXT, "must not contain whitespace, control characters, ';' or ','");
  const attributes = entry['attributes'];
  if (attributes === undefined) return { value };
  return { value, attributes: stringAt(attributes, `${path}.attributes`, HEADER_VALUE, 'must not contain control characters (CR, LF, NUL)') };
}

function setCookieLine(name: string, entry: SetCookieEntry): string {
  return entry.attributes ? `${name}=${entry.value}; ${entry.attributes}` : `${name}=${entry.value}`;
}

/** Response cookies into Set-Cookie lines; each multiValue entry is a line with its own attributes. */
export function foldSetCookies(cookies: unknown, path: string, originalLines: readonly string[]): string[] {
  const original: CfCookies = setCookieFields(originalLines);
  if (JSON.stringify(cookies) === JSON.stringify(original)) return [...originalLines];
  const lines: string[] = [];
  for (const [name, cookie] of Object.entries(objectAt(cookies, path))) {
    const cookiePath = at(path, name);
    if (!/^[^\s\x00-\x1f\x7f;,=]+$/.test(name)) throw new InvalidResult(`${cookiePath}: a cookie name must be non-empty, without whitespace, ';', ',' or '='`);
    const first = setCookieEntry(cookie, cookiePath);
    const multi = objectAt(cookie, cookiePath)['multiValue'];
    if (multi === undefined) {
      lines.push(setCookieLine(name, first));
      continue;
    }
    if (!Array.isArray(multi)) throw new InvalidResult(`${cookiePath}.multiValue must be an array, not ${describe(multi)}`);
    const entries = multi.map((item, i) => setCookieEntry(item, `${cookiePath}.multiValue[${i}]`));
    const before = original[name]?.multiValue;
    const unchanged = before !== undefined && JSON.stringify(entries) === JSON.stringify(before);
    const kept = unchanged ? [first, ...before.slice(1)] : entries.length === 0 ? [first] : entries;
    for (const entry of kept) lines.push(setCookieLine(name, entry));
  }
  return lines;
}
