import { CoreError } from './errors.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore } from './ports/security-store.js';

export interface LoginThrottleOptions {
  store: SecurityStore;
  clock: Clock;
  /**
   * Attempts allowed per account *from one address* before each further one doubles a wait (1 s,
   * 2 s, 4 s, …). Per (account, address) so a guesser elsewhere cannot lock the owner out.
   */
  freePerAccount: number;
  /** Attempts allowed per account from all addresses together: the ceiling for distributed guessing. */
  freePerAccountTotal: number;
  /** Attempts allowed per client address over all accounts (higher: several people may share one). */
  freePerAddress: number;
  /** The longest wait. */
  maxBlockSeconds: number;
}

/** Attempts older than this no longer count. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

/** A sign-in attempt that may check its password; `succeeded` clears the account's counts. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
}

/**
 * Growing back-off on sign-ins, in the database so every node sees the same counts. An attempt is
 * counted *before* its password is checked, in one atomic statement per key, so forty parallel
 * attempts get forty different numbers and only the free ones (plus the one the back-off allows)
 * reach the password check. While a key is blocked, attempts are refused with `rate_limited`
 * without being counted. A success clears the account's counts, not the address's (it may be
 * spraying many accounts).
 */
export class LoginThrottle {
  constructor(private readonly o: LoginThrottleOptions) {}

  /** Reserves one attempt, or throws `rate_limited` (with retry_after). */
  async attempt(accountKey: string, address: string | undefined): Promise<LoginAttempt> {
    const now = this.o.clock.now().getTime();
    const limits = this.limits(accountKey, address);
    const records = await this.o.store.findThrottles(limits.map((l) => l.key));
    const until = Math.max(0, ...records.map((r) => (r.blockedUntil ? Date.parse(r.blockedUntil) : 0)));
    if (until > now) throw refusal(until - now);
    const at = new Date(now).toISOString();
    const forgetBefore = new Date(now - FORGET_AFTER_MS).toISOString();
    for (const { key, free } of limits) {
      const count = await this.o.store.reserveThrottle(key, at, forgetBefore);
      const over = count - free;
      if (over <= 0) continue;
      // Over the free attempts: only one attempt per back-off period goes on, the one that sets it.
      const waitMs = Math.min(2 ** Math.min(over - 1, 30), this.o.maxBlockSeconds) * 1000;
      if (!(await this.o.store.claimThrottle(key, at, new Date(now + waitMs).toISOString()))) {
        const [record] = await this.o.store.findThrottles([key]);
        const blocked = record?.blockedUntil ? Date.parse(record.blockedUntil) - now : 1000;
        throw refusal(blocked);
      }
    }
    return {
      succeeded: async () => {
        for (const { key } of limits) {
          // The address keeps its failures (it may be spraying many accounts) but not this success.
          if (key.startsWith('addr:')) await this.o.store.releaseThrottle(key);
          else await this.o.store.clearThrottle(key);
        }
      },
    };
  }

  private limits(accountKey: string, address: string | undefined): Array<{ key: string; free: number }> {
    return [
      { key: `pair:${accountKey}:${address ?? '-'}`, free: this.o.freePerAccount },
      { key: `acct:${accountKey}`, free: this.o.freePerAccountTotal },
      ...(address ? [{ key: `addr:${address}`, free: this.o.freePerAddress }] : []),
    ];
  }
}

function refusal(waitMs: number): CoreError {
  return new CoreError('rate_limited', 'Too many failed sign-ins; wait before trying again.', {
    retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
  });
}
