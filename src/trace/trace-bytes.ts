// Byte-level helpers of the text parsers' fast paths: each reads a Buffer range without making a string first.

/** The value of a field of plain decimal digits (at most 15, so exact), or -1 for anything else. */
export function digits(data: Buffer, start: number, end: number): number {
  if (end === start || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = data[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** -?digits[.digits]: a finite number whatever Number() makes of it. */
export function isDecimal(data: Buffer, start: number, end: number): boolean {
  let i = data[start] === 45 ? start + 1 : start;
  let seen = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = data[i]!;
    if (c === 46 && !dot && seen > 0) {
      dot = true;
      seen = 0;
    } else if (c >= 48 && c <= 57) seen++;
    else return false;
  }
  return seen > 0 && end - start < 300;
}

const fromCharCode = String.fromCharCode;
/** Node's Buffer has it (toString('latin1') calls it after checking its arguments); @types/node does not list it. */
type LatinSlicing = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * The string of an ASCII byte range. Short keys through String.fromCharCode with fixed arguments
 * (about 2x faster than a Buffer decode, which is a call into C++); longer ones decoded.
 */
export function asciiString(d: Buffer, s: number, e: number): string {
  switch (e - s) {
    case 1: return fromCharCode(d[s]!);
    case 2: return fromCharCode(d[s]!, d[s + 1]!);
    case 3: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!);
    case 4: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!);
    case 5: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!);
    case 6: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!);
    case 7: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!);
    case 8: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!);
    case 9: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!);
    case 10: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!);
    case 11: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!);
    case 12: return fromCharCode(d[s]!, d[s + 1]!, d[s + 2]!, d[s + 3]!, d[s + 4]!, d[s + 5]!, d[s + 6]!, d[s + 7]!, d[s + 8]!, d[s + 9]!, d[s + 10]!, d[s + 11]!);
    default: return (d as LatinSlicing).latin1Slice(s, e);
  }
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
