import { CoreError } from './errors.js';
import { KeyedLimiter } from './limits.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore } from './ports/security-store.js';

const HOUR_MS = 3_600_000;
/** Counts in a window never reset by inactivity: each window is a row of its own. */
const NEVER = new Date(0).toISOString();

/**
 * "At most N an hour" for actions that cost others something (sign-ups per address, appointment
 * requests, new groups), held across every node: the count lives in the database (one atomic
 * upsert per action, the login throttle's table), so a client spreading its requests over the
 * nodes behind a load balancer gets the same N as one talking to a single node. A per-node token
 * bucket in front refuses a flood from one client without a database write per request.
 *
 * The hour is a fixed window: at most 2N across the turn of an hour, never more.
 */
export class SharedQuota {
  readonly #local: KeyedLimiter;

  constructor(
    private readonly o: {
      store: SecurityStore;
      clock: Clock;
      /** 0 turns the quota off. */
      perHour: number;
      /** A short slug naming the action in the counter's key. */
      slug: string;
      /** Shown in the refusal: "Too many {what}; slow down." */
      what: string;
    },
  ) {
    this.#local = new KeyedLimiter(o.clock, Math.max(1, o.perHour), o.perHour / 3600, o.what);
  }

  /** Counts one action for `key`, or throws `rate_limited` with retry_after. */
  async take(key: string): Promise<void> {
    if (this.o.perHour <= 0) return;
    this.#local.take(key);
    const now = this.o.clock.now().getTime();
    const window = Math.floor(now / HOUR_MS);
    const count = await this.o.store.reserveThrottle(
      this.#key(key, window),
      new Date(now).toISOString(),
      NEVER,
    );
    // The first action of a window clears the key's previous one: rows do not pile up.
    if (count === 1) await this.o.store.clearThrottle(this.#key(key, window - 1));
    if (count > this.o.perHour) {
      throw new CoreError('rate_limited', `Too many ${this.o.what}; slow down.`, {
        retryAfter: Math.max(1, Math.ceil(((window + 1) * HOUR_MS - now) / 1000)),
      });
    }
  }

  #key(key: string, window: number): string {
    return `quota:${this.o.slug}:${key}:${window}`;
  }
}
