import { createHmac, randomBytes } from 'node:crypto';

/**
 * Refresh tokens of a session family. Generation n's token is HMAC(key, salt.n): the database holds
 * only the salt and the token's sha256, so a database dump yields no usable token, while the server
 * can hand the current token again to a second tab that refreshed with the previous one during the
 * grace period (both tabs then hold the same token instead of one being locked out).
 */
export class RefreshTokens {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = createHmac('sha256', secret).update('carechat refresh tokens v1').digest();
  }

  newSalt(): string {
    return randomBytes(16).toString('base64url');
  }

  derive(salt: string, generation: number): string {
    return createHmac('sha256', this.#key).update(`${salt}.${generation}`).digest('base64url');
  }

  /** The CSRF token of a session: stable across refreshes, useless without the session cookie. */
  csrf(sessionId: string): string {
    return createHmac('sha256', this.#key).update(`csrf.${sessionId}`).digest('base64url');
  }

  /** A keyed hash of an email, for throttling and failed sign-ins: correlatable, not reversible by dictionary. */
  emailKey(email: string): string {
    return createHmac('sha256', this.#key)
      .update(`email.${email.trim().toLowerCase()}`)
      .digest('base64url')
      .slice(0, 32);
  }
}
