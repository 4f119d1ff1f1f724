// SI prefixes are powers of ten and IEC ones powers of two, as IEC 80000-13 defines them, so
// "64MB" and "64MiB" never mean the same thing; a bare "k" or "M" is refused as ambiguous.
const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

export const BYTE_SIZE_EXAMPLES = '1048576, 64MiB or 1GB';

/** A number and an optional unit, split; undefined when the text is not of that shape. */
export function splitQuantity(text: string): { value: number; unit: string } | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  return match ? { value: Number(match[1]), unit: match[2]!.toLowerCase() } : undefined;
}

/** Bytes in one unit ("MiB" -> 1048576), or undefined for a unit that is not a byte unit. */
export function byteUnit(unit: string): number | undefined {
  return BYTE_UNITS[unit.toLowerCase()];
}

/** "64MiB" -> 67108864, "1GB" -> 1e9, "4096" -> 4096 (whole bytes, rounded down); undefined if not a size. */
export function parseByteSize(text: string): number | undefined {
  const quantity = splitQuantity(text);
  const unit = quantity && byteUnit(quantity.unit);
  return quantity && unit !== undefined ? Math.floor(quantity.value * unit) : undefined;
}
