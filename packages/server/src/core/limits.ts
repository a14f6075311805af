import { CoreError } from './errors.js';
import type { Clock } from './ports/clock.js';
import { TokenBucket } from './rate-limit.js';

/**
 * Token buckets by key (a user, an address), so one key's flood is refused cheaply, in memory,
 * before it costs the store anything, and never slows another key down. Per node: behind a load
 * balancer each node allows the rate; quotas that must hold for the cluster are SharedQuota.
 */
export class KeyedLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly clock: Clock,
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly what: string,
    private readonly maxKeys = 100_000,
  ) {}

  /** Throws `rate_limited` with retry_after when the key has no token left. Disabled when perSecond is 0. */
  take(key: string): void {
    if (this.perSecond <= 0) return;
    const now = this.clock.now().getTime();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
      bucket = new TokenBucket(this.capacity, this.perSecond, now);
      this.#buckets.set(key, bucket);
    }
    if (!bucket.take(now)) {
      throw new CoreError('rate_limited', `Too many ${this.what}; slow down.`, {
        retryAfter: bucket.retryAfter(),
      });
    }
  }
}

/**
 * Open connections (sockets, event streams) per user and per address on this node. `acquire`
 * returns the release function, or throws `rate_limited`.
 */
export class ConnectionLimiter {
  readonly #byUser = new Map<string, number>();
  readonly #byAddress = new Map<string, number>();

  constructor(
    private readonly maxPerUser: number,
    private readonly maxPerAddress: number,
  ) {}

  acquire(userId: string, address: string | undefined): () => void {
    const users = this.#byUser.get(userId) ?? 0;
    const addresses = address === undefined ? 0 : (this.#byAddress.get(address) ?? 0);
    if (users >= this.maxPerUser || (address !== undefined && addresses >= this.maxPerAddress)) {
      throw new CoreError('rate_limited', 'Too many open connections; close some and retry.', {
        retryAfter: 5,
      });
    }
    this.#byUser.set(userId, users + 1);
    if (address !== undefined) this.#byAddress.set(address, addresses + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.#byUser, userId);
      if (address !== undefined) decrement(this.#byAddress, address);
    };
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 1) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
