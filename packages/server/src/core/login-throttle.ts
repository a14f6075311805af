import { CoreError } from './errors.js';
import type { Clock } from './ports/clock.js';
import type { LoginThrottleRecord, SecurityStore } from './ports/security-store.js';

export interface LoginThrottleOptions {
  store: SecurityStore;
  clock: Clock;
  /** Failures allowed per account before each further one doubles a wait (1 s, 2 s, 4 s, …). */
  freePerAccount: number;
  /** The same per client address (higher: several people may share one). */
  freePerAddress: number;
  /** The longest wait. */
  maxBlockSeconds: number;
}

/** Failures older than this no longer count. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

/**
 * Growing back-off on failed sign-ins, per account and per address, in the database so every node
 * sees the same counts. While a key is blocked, sign-ins are refused with `rate_limited` before the
 * password is even checked, so guessing costs time whatever the guess.
 */
export class LoginThrottle {
  constructor(private readonly o: LoginThrottleOptions) {}

  /** Throws `rate_limited` (with retry_after) while either key is blocked. */
  async check(accountKey: string, address: string | undefined): Promise<void> {
    const now = this.o.clock.now().getTime();
    const records = await this.o.store.findThrottles(keys(accountKey, address));
    const until = Math.max(0, ...records.map((r) => (r.blockedUntil ? Date.parse(r.blockedUntil) : 0)));
    if (until > now) {
      throw new CoreError('rate_limited', 'Too many failed sign-ins; wait before trying again.', {
        retryAfter: Math.max(1, Math.ceil((until - now) / 1000)),
      });
    }
  }

  async failed(accountKey: string, address: string | undefined): Promise<void> {
    const now = this.o.clock.now().getTime();
    const wanted = keys(accountKey, address);
    const existing = new Map((await this.o.store.findThrottles(wanted)).map((r) => [r.key, r]));
    for (const key of wanted) {
      const previous = existing.get(key);
      const fresh = !previous || now - Date.parse(previous.lastFailureAt) > FORGET_AFTER_MS;
      const failures = fresh ? 1 : previous.failures + 1;
      const free = key.startsWith('acct:') ? this.o.freePerAccount : this.o.freePerAddress;
      const over = failures - free;
      const record: LoginThrottleRecord = {
        key,
        failures,
        blockedUntil:
          over > 0
            ? new Date(
                now + Math.min(2 ** Math.min(over - 1, 30), this.o.maxBlockSeconds) * 1000,
              ).toISOString()
            : null,
        lastFailureAt: new Date(now).toISOString(),
      };
      await this.o.store.putThrottle(record);
    }
  }

  /** A correct password clears the account's count (not the address's: it may be spraying). */
  async succeeded(accountKey: string): Promise<void> {
    await this.o.store.clearThrottle(`acct:${accountKey}`);
  }
}

function keys(accountKey: string, address: string | undefined): string[] {
  return address ? [`acct:${accountKey}`, `addr:${address}`] : [`acct:${accountKey}`];
}
