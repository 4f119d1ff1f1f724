/** What a listing shows of an object, kept in memory for every key. */
export interface ObjectSummary {
  key: string;
  etag: string;
  size: number;
  lastModified: number;
  checksumAlgorithms: readonly string[];
}

/**
 * Orders keys as S3 lists them: by their UTF-8 bytes, which is code-point order. JavaScript's
 * `<` compares UTF-16 units, which differs only where a surrogate (a code point above U+FFFF)
 * meets a unit from U+E000 to U+FFFF: the surrogate's code point is the larger.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** The keys of one bucket in S3's order, with their summaries: a sorted array and binary search. */
export class KeyIndex {
  readonly #keys: string[] = [];
  readonly #summaries = new Map<string, ObjectSummary>();

  get size(): number {
    return this.#keys.length;
  }

  set(summary: ObjectSummary): void {
    if (!this.#summaries.has(summary.key)) this.#keys.splice(this.#firstAtOrAfter(summary.key), 0, summary.key);
    this.#summaries.set(summary.key, summary);
  }

  delete(key: string): void {
    if (!this.#summaries.delete(key)) return;
    this.#keys.splice(this.#firstAtOrAfter(key), 1);
  }

  get(key: string): ObjectSummary | undefined {
    return this.#summaries.get(key);
  }

  /** Summaries in order, from the first key both after `after` and not before `atLeast`. */
  *from(after: string | undefined, atLeast = ''): Generator<ObjectSummary> {
    let i = after === undefined ? 0 : this.#firstAtOrAfter(after);
    if (after !== undefined && this.#keys[i] === after) i++;
    i = Math.max(i, this.#firstAtOrAfter(atLeast));
    for (; i < this.#keys.length; i++) yield this.#summaries.get(this.#keys[i]!)!;
  }

  /** The position of the first key not before `key`. */
  #firstAtOrAfter(key: string): number {
    let low = 0;
    let high = this.#keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.#keys[middle]!, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
