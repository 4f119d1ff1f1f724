import { BYTE_SIZE_EXAMPLES, parseByteSize } from '../units/byte-size.ts';
import { DURATION_EXAMPLES, parseDurationMs } from '../units/duration.ts';
import { UsageError } from './usage-error.ts';

// The one place an option's text becomes a number, a duration, a size or a choice, so every
// command words the same mistake the same way: "--NAME must be RULE, got "TEXT"".

/** Bounds on a number; `above` is exclusive, `min` and `max` inclusive. */
export interface NumberRule {
  integer?: boolean;
  above?: number;
  min?: number;
  max?: number;
  /** How the rule names the value, when "a whole number" or nothing does not say it best. */
  noun?: string;
}

/** "a whole number > 0", "> 0", "within 0..1", ">= 0". */
export function describeRule(rule: NumberRule): string {
  const bound =
    rule.min !== undefined && rule.max !== undefined
      ? `within ${rule.min}..${rule.max}`
      : rule.above !== undefined
        ? `> ${rule.above}`
        : rule.min !== undefined
          ? `>= ${rule.min}`
          : rule.max !== undefined
            ? `<= ${rule.max}`
            : '';
  const noun = rule.noun ?? (rule.integer ? 'a whole number' : '');
  return [noun, bound].filter(Boolean).join(' ') || 'a number';
}

function obeys(value: number, rule: NumberRule): boolean {
  return (
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max)
  );
}

function checked(name: string, text: string, value: number | undefined, rule: NumberRule, shape = ''): number {
  if (value === undefined || !obeys(value, rule)) throw new UsageError(`--${name} must be ${shape}${describeRule(rule)}, got "${text}"`);
  return value;
}

export function numberOption(name: string, text: string | undefined, rule: NumberRule): number | undefined;
export function numberOption(name: string, text: string | undefined, rule: NumberRule, fallback: number): number;
export function numberOption(name: string, text: string | undefined, rule: NumberRule, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  return checked(name, text, text.trim() === '' ? undefined : Number(text), rule);
}

/** A duration in milliseconds ("15s", "500ms", "2m", "1h"; a bare number in `plainUnit`). */
export function durationOption(name: string, text: string | undefined, plainUnit: 'ms' | 's', rule: NumberRule): number | undefined;
export function durationOption(name: string, text: string | undefined, plainUnit: 'ms' | 's', rule: NumberRule, fallbackMs: number): number;
export function durationOption(name: string, text: string | undefined, plainUnit: 'ms' | 's', rule: NumberRule, fallbackMs?: number): number | undefined {
  if (text === undefined) return fallbackMs;
  const ms = parseDurationMs(text, plainUnit);
  // The rule is written in the plain unit, as the option's help states it.
  const scale = plainUnit === 's' ? 1000 : 1;
  checked(name, text, ms === undefined ? undefined : ms / scale, rule, `a duration (${DURATION_EXAMPLES}) `);
  return ms;
}

/** A size in bytes ("64MiB", "1GB", plain bytes). */
export function sizeOption(name: string, text: string | undefined, rule: NumberRule): number | undefined;
export function sizeOption(name: string, text: string | undefined, rule: NumberRule, fallback: number): number;
export function sizeOption(name: string, text: string | undefined, rule: NumberRule, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  return checked(name, text, parseByteSize(text), rule, `a size (${BYTE_SIZE_EXAMPLES}) `);
}

/** One of a fixed list, or undefined when not given. */
export function choiceOption<T extends string>(name: string, text: string | undefined, choices: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`--${name} must be ${orList(choices)}, got "${text}"`);
  return text as T;
}

/** "a, b or c". */
export function orList(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** A port to listen on: 0 (any free port) to 65535; required unless a fallback is given. */
export function portOption(text: string | undefined, fallback?: number): number {
  if (text === undefined && fallback === undefined) throw new UsageError('--port is required');
  return numberOption('port', text, { integer: true, min: 0, max: 65535 }, fallback ?? 0);
}

/** A TTL in whole seconds. */
export function ttlOption(text: string): number {
  const ttl = Number(text);
  if (text.trim() === '' || !Number.isInteger(ttl) || ttl < 0) throw new UsageError(`--ttl takes whole seconds >= 0, got "${text}"`);
  return ttl;
}

/** "60,3600": TTLs in whole seconds, one drawn per object. */
export function ttlListOption(text: string): number[] {
  return text.split(',').map(ttlOption);
}
