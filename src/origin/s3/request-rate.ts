import { S3Error, type S3Request } from './contract.ts';

/** S3's published request rates per partitioned prefix: PUT/COPY/POST/DELETE, and GET/HEAD. */
export const S3_PUT_PER_SECOND = 3_500;
export const S3_GET_PER_SECOND = 5_500;

export interface RequestRateLimit {
  putPerSecond?: number;
  getPerSecond?: number;
}

interface Allowance {
  tokens: number;
  at: number;
}

/** Beyond this many prefixes tracked, those back at a full allowance are forgotten. */
const SWEEP_ABOVE = 10_000;

/**
 * What S3 does to a hot prefix: more requests a second than its rate get 503 SlowDown. A token
 * bucket per bucket + prefix (the key up to its last '/') and class (reads, writes), holding one
 * second's worth, so a burst up to the rate passes and a steady rate above it is refused.
 */
export class PrefixRateLimiter {
  readonly #rates: { read: number; write: number };
  readonly #allowances = new Map<string, Allowance>();
  readonly #now: () => number;

  constructor(limit: RequestRateLimit, now: () => number = () => performance.now()) {
    this.#rates = { read: limit.getPerSecond ?? S3_GET_PER_SECOND, write: limit.putPerSecond ?? S3_PUT_PER_SECOND };
    this.#now = now;
  }

  /** Throws S3's SlowDown when `request`'s prefix is over its rate. */
  admit(request: S3Request): void {
    const kind = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
    const rate = this.#rates[kind];
    const id = `${kind} ${request.bucket ?? ''}/${prefixOf(request.key)}`;
    const now = this.#now();
    const allowance = this.#allowances.get(id) ?? { tokens: rate, at: now };
    allowance.tokens = Math.min(rate, allowance.tokens + ((now - allowance.at) * rate) / 1000);
    allowance.at = now;
    if (allowance.tokens < 1) {
      this.#allowances.set(id, allowance);
      throw new S3Error('SlowDown', 503, 'Please reduce your request rate.');
    }
    allowance.tokens -= 1;
    this.#allowances.set(id, allowance);
    if (this.#allowances.size > SWEEP_ABOVE) this.#sweep(now);
  }

  #sweep(now: number): void {
    for (const [id, allowance] of this.#allowances) {
      const rate = id.startsWith('read ') ? this.#rates.read : this.#rates.write;
      if (allowance.tokens + ((now - allowance.at) * rate) / 1000 >= rate) this.#allowances.delete(id);
    }
  }
}

function prefixOf(key: string | undefined): string {
  if (key === undefined) return '';
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash + 1);
}
