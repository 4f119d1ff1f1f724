/**
 * Keys interned to dense integers 0, 1, 2, ... in order of first appearance, straight from the
 * bytes of a trace: a line's key never becomes a string, and a cache indexed by these numbers
 * needs no Map. Open addressing over typed arrays (one hash table slot per key, the key bytes in
 * one arena), so a million keys cost a few flat arrays rather than a million heap objects.
 * Two keys get the same number exactly when their UTF-8 bytes are equal, which for the strings the
 * trace parsers make is exactly when the strings are equal.
 */
export class KeyInterner {
  /** id + 1 per slot, 0 for an empty one; a power of two long, at most half full. */
  private slots = new Int32Array(1 << 16);
  private hashes = new Int32Array(1 << 15);
  /** Key id's bytes are arena[starts[id], starts[id + 1]). */
  private starts = new Int32Array((1 << 15) + 1);
  private arena = new Uint8Array(1 << 18);
  private count = 0;

  /** Keys interned so far; the next new key gets this number. */
  get size(): number {
    return this.count;
  }

  /** The number of the key data[start, end), a new one if the key has not been seen. */
  intern(data: Uint8Array, start: number, end: number): number {
    let hash = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ data[i]!, 0x01000193);
    // FNV-1a's low bits alone cluster for keys that differ only near their end; mix the high ones in.
    hash ^= hash >>> 15;
    hash = Math.imul(hash, 0x2c1b3c6d);
    hash ^= hash >>> 12;
    const slots = this.slots;
    const mask = slots.length - 1;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]!;
      if (entry === 0) return this.add(data, start, end, hash, slot);
      const id = entry - 1;
      if (this.hashes[id] !== hash) continue;
      const at = this.starts[id]!;
      if (this.starts[id + 1]! - at !== length) continue;
      const arena = this.arena;
      let i = 0;
      while (i < length && arena[at + i] === data[start + i]) i++;
      if (i === length) return id;
    }
  }

  /** The number of a key given as a string (the string parsers' lines). */
  internString(key: string): number {
    const bytes = Buffer.from(key, 'utf8');
    return this.intern(bytes, 0, bytes.length);
  }

  /** The key of a number, as a string (for messages and tests; the hot path never needs it). */
  key(id: number): string {
    if (!(id >= 0 && id < this.count)) throw new RangeError(`no key has number ${id}`);
    return Buffer.from(this.arena.buffer, this.arena.byteOffset + this.starts[id]!, this.starts[id + 1]! - this.starts[id]!).toString('utf8');
  }

  private add(data: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const id = this.count;
    if (id + 1 === this.hashes.length) {
      this.hashes = grown(this.hashes, this.hashes.length * 2);
      this.starts = grown(this.starts, this.hashes.length + 1);
    }
    const at = this.starts[id]!;
    const length = end - start;
    if (at + length > this.arena.length) this.arena = grown(this.arena, Math.max(this.arena.length * 2, at + length));
    this.arena.set(data.subarray(start, end), at);
    this.starts[id + 1] = at + length;
    this.hashes[id] = hash;
    this.slots[slot] = id + 1;
    this.count = id + 1;
    if (2 * this.count > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = this.hashes[id]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
  }
}

function grown<T extends Int32Array | Uint8Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}
