import type { RequestContext } from './actor.js';
import type { AuditLog } from './audit.js';
import type { AuthService, IssuedSession } from './auth.js';
import { CoreError } from './errors.js';
import { newSecret } from './ids.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore } from './ports/security-store.js';
import { hashToken } from './tokens.js';

export interface SignInLinkOptions {
  security: SecurityStore;
  clock: Clock;
  auth: AuthService;
  audit: AuditLog;
  /** SIGN_IN_LINK_TTL_SECONDS: how long a link may wait to be opened. */
  ttlSeconds: number;
}

export interface IssuedSignInLink {
  /** The one-time secret; only its hash is stored. */
  token: string;
  expiresAt: string;
}

/**
 * One-time, short-lived sign-in links: a host platform's server asks for one for its user and
 * sends the user's browser to it; opening it starts a session as a sign-in would, without a
 * password. A link works once and only until it expires; whoever holds it before then is the user,
 * so it is handed to the user's browser only, over HTTPS, and lives seconds rather than days.
 */
export class SignInLinkService {
  constructor(private readonly o: SignInLinkOptions) {}

  async issue(userId: string, context: RequestContext): Promise<IssuedSignInLink> {
    const now = this.o.clock.now();
    const token = newSecret();
    const expiresAt = new Date(now.getTime() + this.o.ttlSeconds * 1000).toISOString();
    await this.o.security.insertSignInLink({
      tokenHash: hashToken(token),
      userId,
      createdAt: now.toISOString(),
      expiresAt,
      usedAt: null,
    });
    await this.o.audit.recordNow(context, 'auth.sign_in_link_issued', { targetUserId: userId });
    return { token, expiresAt };
  }

  /** Starts the link's user's session, once; a wrong, used or expired link is `unauthenticated`. */
  async redeem(token: string, context: RequestContext): Promise<IssuedSession> {
    const tokenHash = hashToken(token);
    const userId = await this.o.security.claimSignInLink(tokenHash, this.o.clock.now().toISOString());
    if (userId === undefined || (await this.o.security.isDeleted(userId))) {
      const link = await this.o.security.findSignInLink(tokenHash);
      const reason = !link ? 'unknown' : link.usedAt !== null ? 'used' : 'expired';
      await this.o.audit.recordNow(context, 'auth.sign_in_link_refused', {
        outcome: 'refused',
        code: 'unauthenticated',
        ...(link ? { targetUserId: link.userId } : {}),
        detail: { reason: userId === undefined ? reason : 'deleted' },
      });
      // One answer for every failure: the link's holder learns nothing about other links.
      throw new CoreError('unauthenticated', 'This sign-in link is not valid any more. Ask for a new one.');
    }
    return this.o.auth.startSession(userId, context, 'auth.sign_in_link_used');
  }
}
