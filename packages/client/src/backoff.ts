/** Reconnect delays: exponential, capped, with full jitter so a restarted server is not stampeded. */
export interface BackoffOptions {
  /** The ceiling of the first delay. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** Growth per attempt (2 doubles the ceiling each time). */
  factor?: number;
  /** 'full': a uniform draw in [0, ceiling) (AWS "full jitter"); 'none': the ceiling itself. */
  jitter?: 'full' | 'none';
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  baseMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 'full',
};

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry). Pure: the random source is
 * a parameter, so tests pass a fixed one.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const factor = options.factor ?? 2;
  // Math.min before the power would overflow: past ~50 attempts the ceiling is the cap anyway.
  const ceiling = Math.min(options.maxMs, options.baseMs * factor ** Math.min(attempt, 50));
  if ((options.jitter ?? 'full') === 'none') return ceiling;
  return Math.floor(random() * ceiling);
}
