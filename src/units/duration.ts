import { splitQuantity } from './byte-size.ts';

const MILLISECONDS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export const DURATION_EXAMPLES = '15, 15s, 500ms, 2m or 1h';

/**
 * "15s", "500ms", "2m", "1h" in milliseconds; a bare number counts in `plainUnit`, which is the
 * unit the option's name promises ("--duration 15" is seconds, "--timeout-ms 500" milliseconds).
 * Undefined when the text is not a duration.
 */
export function parseDurationMs(text: string, plainUnit: 'ms' | 's'): number | undefined {
  const quantity = splitQuantity(text);
  const unit = quantity && MILLISECONDS[quantity.unit || plainUnit];
  return quantity && unit !== undefined ? quantity.value * unit : undefined;
}
