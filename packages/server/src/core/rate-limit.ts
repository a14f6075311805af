/**
 * A token bucket: `capacity` actions at once, refilled at `perSecond`. Time is passed in, so
 * callers use their injected clock.
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** Takes a token if there is one. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#updatedAt) / 1000;
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.perSecond);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Seconds until a token is available. */
  retryAfter(): number {
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.perSecond));
  }
}
