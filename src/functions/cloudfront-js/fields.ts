/**
 * Conversions between the neutral request/response parts (raw query string, header lists, Cookie
 * and Set-Cookie lines) and CloudFront Functions' `{ name: { value, multiValue? } }` objects.
 * Query names and values stay as the viewer spelled them (CloudFront does not decode them), and
 * an unchanged part folds back to exactly the text it came from.
 */
import type { FunctionHeaders } from '../types.ts';
import type { CfCookies, CfField, CfFields } from './event-types.ts';

/** Several values under one name become `value` (the first) plus `multiValue` (all), as CloudFront collapses repeats. */
export function fieldOf(values: readonly string[]): CfField {
  const field: CfField = { value: values[0] ?? '' };
  if (values.length > 1) field.multiValue = values.map((value) => ({ value }));
  return field;
}

function group(pairs: Iterable<readonly [string, string]>): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  return byName;
}

function fieldsOf(byName: Map<string, string[]>): CfFields {
  const fields: CfFields = {};
  for (const [name, values] of byName) fields[name] = fieldOf(values);
  return fields;
}

/** `a=1&b&a=2` (no '?'), undecoded: a name without '=' has the value ''. */
export function parseQuerystring(querystring: string): Map<string, string[]> {
  const pairs: [string, string][] = [];
  for (const part of querystring.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return group(pairs);
}

/** The pairs of every Cookie header, in order; a pair without '=' is a cookie with the value ''. */
export function parseCookieHeaders(lines: readonly string[]): Map<string, string[]> {
  const pairs: [string, string][] = [];
  for (const line of lines) {
    for (const part of line.split(';')) {
      const pair = part.trim();
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      pairs.push(eq < 0 ? [pair, ''] : [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()]);
    }
  }
  return group(pairs);
}

export function querystringFields(querystring: string): CfFields {
  return fieldsOf(parseQuerystring(querystring));
}

export function cookieFields(cookieLines: readonly string[]): CfFields {
  return fieldsOf(parseCookieHeaders(cookieLines));
}

/** Headers other than those the event carries elsewhere (cookie, set-cookie). */
export function headerFields(headers: FunctionHeaders, without: string): CfFields {
  const fields: CfFields = {};
  for (const [name, values] of Object.entries(headers)) {
    if (name === without || values.length === 0) continue;
    fields[name] = fieldOf(values);
  }
  return fields;
}

/** `id=1; Path=/` -> cookie `id` with value `1` and attributes `Path=/`. */
export function setCookieFields(lines: readonly string[]): CfCookies {
  const cookies: CfCookies = {};
  for (const line of lines) {
    const semi = line.indexOf(';');
    const pair = (semi < 0 ? line : line.slice(0, semi)).trim();
    const attributes = semi < 0 ? '' : line.slice(semi + 1).trim();
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq).trim();
    const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
    const entry = attributes === '' ? { value } : { value, attributes };
    const existing = cookies[name];
    if (!existing) {
      cookies[name] = { ...entry };
    } else {
      existing.multiValue ??= [{ value: existing.value, ...(existing.attributes === undefined ? {} : { attributes: existing.attributes }) }];
      existing.multiValue.push(entry);
    }
  }
  return cookies;
}
