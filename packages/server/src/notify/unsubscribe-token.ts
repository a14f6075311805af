import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token of an email's unsubscribe link: the user id and an HMAC of it under a key derived
 * from the server secret, so the link works without signing in and cannot be forged for anyone
 * else. It does one thing (email off), which is harmless to repeat, so it does not expire.
 */
export class UnsubscribeTokens {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = createHmac('sha256', secret).update('carechat email unsubscribe v1').digest();
  }

  issue(userId: string): string {
    return `${Buffer.from(userId).toString('base64url')}.${this.#mac(userId)}`;
  }

  /** The user id the token was issued for, or undefined when it is not one of ours. */
  verify(token: string): string | undefined {
    const [encoded, mac, extra] = token.split('.');
    if (!encoded || !mac || extra !== undefined) return undefined;
    const userId = Buffer.from(encoded, 'base64url').toString();
    const expected = Buffer.from(this.#mac(userId));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? userId : undefined;
  }

  #mac(userId: string): string {
    return createHmac('sha256', this.#key).update(userId).digest('base64url');
  }
}
