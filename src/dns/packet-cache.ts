/**
 * Answers by the exact bytes of the query they answered (all but its id) and whatever else they
 * depend on (the caller folds that into `context`: the peer, the edges' health), as an
 * authoritative server's packet cache does: a repeated query is answered by copying the stored
 * bytes and writing the new id, without decoding, locating or encoding anything.
 */
export class PacketCache<Meta> {
  readonly #entries = new Map<string, { reply: Buffer; meta: Meta }>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  static key(message: Buffer, context: string): string {
    return `${context}|${message.toString('latin1', 2)}`;
  }

  /** The stored answer with `message`'s id in it, and what was stored beside it; undefined if none. */
  get(key: string, message: Buffer): { reply: Buffer; meta: Meta } | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const reply = Buffer.from(entry.reply);
    reply[0] = message[0]!;
    reply[1] = message[1]!;
    return { reply, meta: entry.meta };
  }

  set(key: string, reply: Buffer, meta: Meta): void {
    // Crude but bounded, as the client-location memo: start over rather than track recency per query.
    if (this.#entries.size >= this.#limit) this.#entries.clear();
    this.#entries.set(key, { reply, meta });
  }
}
