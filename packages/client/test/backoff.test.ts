import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';

describe('backoffDelay', () => {
  const options = { baseMs: 500, maxMs: 30_000 };

  it('grows exponentially up to the cap (no jitter)', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 100].map((n) =>
      backoffDelay(n, { ...options, jitter: 'none' }, () => 0.5),
    );
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('full jitter draws uniformly below the ceiling', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, options, () => 0.999_999)).toBe(3999);
    expect(backoffDelay(1000, options, () => 0.999_999)).toBe(29_999);
  });

  it('takes the growth factor', () => {
    expect(backoffDelay(2, { ...options, factor: 3, jitter: 'none' }, Math.random)).toBe(4500);
  });
});
