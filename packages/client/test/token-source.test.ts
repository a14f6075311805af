import { describe, expect, it } from 'vitest';
import { TokenSource } from '../src/token-source.js';

/** An unsigned JWT with the given claims (the SDK only reads them; the server verifies). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(claims)}.signature`;
}

describe('TokenSource', () => {
  const now = Date.parse('2026-01-05T10:00:00.000Z');
  const exp = (ms: number) => Math.floor((now + ms) / 1000);

  it('asks the provider for the first token, and again once the token is about to expire', async () => {
    let clock = now;
    const reasons: string[] = [];
    const tokens = new TokenSource(
      undefined,
      async ({ reason }) => {
        reasons.push(reason);
        return jwt({ sub: 'usr_1', exp: Math.floor(clock / 1000) + 60 });
      },
      () => clock,
    );
    const first = await tokens.get();
    expect(await tokens.get()).toBe(first);
    expect(tokens.subject()).toBe('usr_1');
    clock += 49_000; // 11 s left: still fine
    expect(await tokens.get()).toBe(first);
    clock += 2000; // 9 s left: inside the margin, refreshed before it can expire in flight
    expect(await tokens.get()).not.toBe(first);
    expect(reasons).toEqual(['initial', 'expired']);
  });

  it('shares one refresh between concurrent callers', async () => {
    let calls = 0;
    const tokens = new TokenSource(
      jwt({ exp: exp(-1000) }),
      async () => {
        calls += 1;
        return jwt({ exp: exp(3_600_000) });
      },
      () => now,
    );
    const [a, b, c] = await Promise.all([tokens.get(), tokens.get(), tokens.refresh('refused')]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
  });

  it('a fixed token is used as is, expired or not (the server says 4401 and the client stops)', async () => {
    const fixed = jwt({ exp: exp(-1000) });
    const tokens = new TokenSource(fixed, undefined, () => now);
    expect(tokens.canRefresh).toBe(false);
    expect(await tokens.get()).toBe(fixed);
    expect(await tokens.refresh()).toBe(fixed);
  });

  it('an opaque (non-JWT) token is never considered expired', async () => {
    let calls = 0;
    const tokens = new TokenSource(
      'opaque-token',
      async () => {
        calls += 1;
        return 'next';
      },
      () => now,
    );
    expect(await tokens.get()).toBe('opaque-token');
    expect(calls).toBe(0);
  });
});
