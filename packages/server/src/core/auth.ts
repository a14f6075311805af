import type { RegisterBody, User } from '@carechat/protocol';
import type { Actor, RequestContext } from './actor.js';
import type { AuditLog, AuditSubject } from './audit.js';
import { CoreError } from './errors.js';
import { newId } from './ids.js';
import type { LoginAttempt, LoginThrottle } from './login-throttle.js';
import { checkPasswordStrength } from './password-strength.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore, SessionFamilyRecord } from './ports/security-store.js';
import { type Store, StoreConflictError, type UserRecord } from './ports/store.js';
import type { RefreshTokens } from './session-tokens.js';
import type { LiveAccess, SessionGuard } from './sessions.js';
import type { SharedQuota } from './shared-quota.js';
import type { SignupConfirmations } from './signup-confirmations.js';
import { type AccessTokens, hashToken } from './tokens.js';
import { toWireUser, type UserDirectory } from './users.js';

export interface AuthOptions {
  store: Store;
  security: SecurityStore;
  clock: Clock;
  users: UserDirectory;
  tokens: AccessTokens;
  refreshTokens: RefreshTokens;
  guard: SessionGuard;
  throttle: LoginThrottle;
  audit: AuditLog;
  sessionTtlDays: number;
  /** How long after a rotation the previous refresh token still answers (concurrent tabs). */
  refreshGraceMs: number;
  practitionerSignup: 'pending' | 'open' | 'off';
  /** Sign-ups per client address. */
  signupLimit?: SharedQuota;
  /** SIGNUP_CONFIRMATION=email: sign-ups are confirmed by email and say nothing about the address. */
  confirmations?: SignupConfirmations;
}

/** What a successful sign-in hands out: a short-lived access token and the session's refresh token. */
export interface IssuedSession {
  user: User;
  sessionId: string;
  accessToken: string;
  /** Also the browser's session cookie. Rotated on every refresh. */
  refreshToken: string;
  /** The value of the `carechat_csrf` cookie browsers echo in `X-CSRF-Token`. */
  csrfToken: string;
  expiresIn: number;
  sessionExpiresAt: string;
}

/**
 * Sign-up, sign-in and sessions. A session is a refresh-token family: a row holding the hash of
 * its current refresh token, which rotates on every refresh. A retired token presented again means
 * it was copied: the whole family is revoked (except for the token retired moments ago, which a
 * second tab may legitimately still send). The access token (JWT) names the session, and every use
 * checks the session is still live (SessionGuard), so revocation ends access tokens too.
 */
export class AuthService {
  constructor(private readonly o: AuthOptions) {}

  /**
   * A sign-up: the session of the new account, or `confirmation_sent` when sign-ups are confirmed
   * by email (the same answer whether or not the address has an account: signup-confirmations.ts).
   */
  async register(
    input: RegisterBody,
    context?: RequestContext,
  ): Promise<IssuedSession | 'confirmation_sent'> {
    if (context?.address !== undefined) await this.o.signupLimit?.take(context.address);
    if (input.role === 'practitioner' && this.o.practitionerSignup === 'off') {
      throw new CoreError('forbidden', 'Practitioner sign-up is turned off on this server.');
    }
    // Anyone may say they are a practitioner; under `pending` nobody finds, books or messages
    // them until an admin has approved the account (core/users.ts isReachable).
    const status =
      input.role === 'practitioner' && this.o.practitionerSignup === 'pending' ? 'pending' : 'active';
    await checkPasswordStrength(input.password, [input.email, input.name]);
    const now = this.o.clock.now().toISOString();
    const user = {
      id: newId('usr'),
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdAt: now,
      status,
    } satisfies UserRecord;
    if (this.o.confirmations) {
      await this.o.confirmations.request(user, context);
      return 'confirmation_sent';
    }
    try {
      await this.o.store.insertUser(user);
    } catch (error) {
      if (error instanceof StoreConflictError) {
        // The owner's trail, not the email: who tried to sign up with it, from where (decision 1202).
        const owner = await this.o.store.findUserByEmail(user.email);
        await this.o.audit.recordNow(context ?? null, 'auth.register_existing', {
          outcome: 'refused',
          code: 'conflict',
          ...(owner ? { targetUserId: owner.id } : {}),
        });
        throw new CoreError('conflict', 'An account with this email exists already.');
      }
      throw error;
    }
    return this.startSession(user.id, context, 'auth.register');
  }

  /**
   * Opening a sign-up's confirmation link: the account is made now (a practitioner's pending as
   * at sign-up) and signed in. A wrong, used or expired link, or an address that got an account
   * meanwhile, is `unauthenticated`, one answer for all.
   */
  async confirmSignup(token: string, context: RequestContext): Promise<IssuedSession> {
    const signup = await this.o.confirmations?.claim(token);
    const refused = () =>
      new CoreError('unauthenticated', 'This link is not valid any more. Sign up or sign in again.');
    if (!signup) throw refused();
    const user: UserRecord = {
      id: newId('usr'),
      email: signup.email,
      name: signup.name,
      role: signup.role,
      passwordHash: signup.passwordHash,
      createdAt: this.o.clock.now().toISOString(),
      status:
        signup.role === 'practitioner' && this.o.practitionerSignup === 'pending' ? 'pending' : 'active',
    };
    try {
      await this.o.store.insertUser(user);
    } catch (error) {
      if (error instanceof StoreConflictError) throw refused();
      throw error;
    }
    return this.startSession(user.id, context, 'auth.register');
  }

  /**
   * An administrator account, made by the operator (`carechat create-admin`): the one way to get
   * the first admin who approves practitioners when no host platform pushes admins in.
   */
  async createAdmin(input: { email: string; name: string; password: string }): Promise<User> {
    await checkPasswordStrength(input.password, [input.email, input.name]);
    const user: UserRecord = {
      id: newId('usr'),
      email: input.email.trim().toLowerCase(),
      name: input.name.trim(),
      role: 'admin',
      passwordHash: await hashPassword(input.password),
      createdAt: this.o.clock.now().toISOString(),
      status: 'active',
    };
    try {
      await this.o.store.insertUser(user);
    } catch (error) {
      if (error instanceof StoreConflictError) {
        throw new CoreError('conflict', 'An account with this email exists already.');
      }
      throw error;
    }
    await this.o.audit.recordNow({ door: 'system' }, 'auth.register', { targetUserId: user.id });
    return toWireUser(user, { userId: user.id, role: 'admin' });
  }

  async login(email: string, password: string, context?: RequestContext): Promise<IssuedSession> {
    const accountKey = this.o.refreshTokens.emailKey(email);
    let attempt: LoginAttempt;
    try {
      attempt = await this.o.throttle.attempt(accountKey, context?.address);
    } catch (error) {
      await this.o.audit.recordNow(context ?? null, 'auth.login_throttled', {
        outcome: 'refused',
        code: 'rate_limited',
        detail: { account: accountKey },
      });
      throw error;
    }
    const user = await this.o.store.findUserByEmail(email.trim());
    const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user?.passwordHash || !valid) {
      // An unknown email is recorded as its keyed hash only: a typo of someone's password must
      // not end up in the audit trail as an email address.
      await this.o.audit.recordNow(context ?? null, 'auth.login_failed', {
        outcome: 'refused',
        code: 'invalid_credentials',
        ...(user?.passwordHash ? { targetUserId: user.id } : {}),
        detail: { account: accountKey },
      });
      throw new CoreError('invalid_credentials');
    }
    await attempt.succeeded();
    // Only after the right password, so this says nothing to someone who does not know it.
    if (user.status === 'rejected') throw new CoreError('forbidden', 'This account was not approved.');
    return this.startSession(user.id, context, 'auth.login');
  }

  /**
   * Opens a session for a user: sign-in, sign-up, and the server API minting tokens for a host
   * platform's user (`auth.token_minted`).
   */
  async startSession(
    userId: string,
    context: RequestContext | undefined = { door: 'server_api' },
    action:
      | 'auth.login'
      | 'auth.register'
      | 'auth.token_minted'
      | 'auth.sign_in_link_used' = 'auth.token_minted',
  ): Promise<IssuedSession> {
    const now = this.o.clock.now();
    const salt = this.o.refreshTokens.newSalt();
    const refreshToken = this.o.refreshTokens.derive(salt, 0);
    const session: SessionFamilyRecord = {
      id: newId('ses'),
      userId,
      tokenHash: hashToken(refreshToken),
      createdAt: now.toISOString(),
      expiresAt: this.sessionExpiry(now),
      revokedAt: null,
      revokedReason: null,
      lastUsedAt: now.toISOString(),
      generation: 0,
      tokenSalt: salt,
      rotatedAt: null,
    };
    await this.o.security.insertSessionFamily(session);
    const issued = await this.issue(session, refreshToken);
    const subject: AuditSubject = { ...context, userId, role: issued.user.role, sessionId: session.id };
    await this.o.audit.recordNow(
      subject,
      action,
      action === 'auth.token_minted' ? { targetUserId: userId } : {},
    );
    return issued;
  }

  /**
   * Trades a refresh token for a new access token and a new refresh token; the old one stops
   * working. `csrf` is what a browser refreshing by cookie sent as its CSRF token: it must fit the
   * session before anything changes.
   */
  async refresh(refreshToken: string, context?: RequestContext, csrf?: string): Promise<IssuedSession> {
    const presented = hashToken(refreshToken);
    const family = await this.o.security.findSessionFamilyByTokenHash(presented);
    if (family) {
      this.checkCsrf(family.id, csrf);
      await this.liveFamily(family);
      const generation = family.generation + 1;
      const salt = family.tokenSalt ?? this.o.refreshTokens.newSalt();
      const next = this.o.refreshTokens.derive(salt, generation);
      const now = this.o.clock.now();
      const expiresAt = this.sessionExpiry(now);
      const rotated = await this.o.security.rotateSessionFamily({
        id: family.id,
        oldHash: presented,
        newHash: hashToken(next),
        generation,
        tokenSalt: salt,
        at: now.toISOString(),
        expiresAt,
      });
      // Another refresh with the same token won the race: this one is the second tab.
      if (!rotated) return this.refreshRetired(presented, context, csrf);
      this.o.audit.record(this.subject(family, context), 'auth.refresh');
      return this.issue({ ...family, expiresAt }, next);
    }
    return this.refreshRetired(presented, context, csrf);
  }

  /** Ends the caller's session. */
  async logout(actor: Actor): Promise<void> {
    await this.o.guard.revoke(actor, 'logout');
    await this.o.audit.recordNow(actor, 'auth.logout');
  }

  /** Ends every session of the caller's, this one included, on every device. */
  async logoutAll(actor: Actor): Promise<number> {
    const ended = await this.o.guard.revokeAll(actor.userId, 'logout_all');
    await this.o.audit.recordNow(actor, 'auth.logout_all', { detail: { sessions: ended.length } });
    return ended.length;
  }

  /** The actor behind a bearer access token, whose session must still be live. */
  async authenticateAccessToken(token: string, context?: RequestContext): Promise<Actor> {
    const claims = await this.o.tokens.verify(token, this.o.clock.now());
    if (!claims) throw new CoreError('unauthenticated');
    const session = { userId: claims.userId, sessionId: claims.sessionId };
    // The role is the user's now, not the one the token was signed with: a demotion or a change
    // of role applies to the next request (SessionGuard reads it, and drops it when it changes).
    const { role } = await this.o.guard.check({ ...session, role: claims.role, ...context });
    return { ...session, role, ...context };
  }

  /** The actor behind a browser session cookie (the refresh token), checked against the store. */
  async authenticateSessionToken(token: string, context?: RequestContext): Promise<Actor> {
    const family = await this.o.security.findSessionFamilyByTokenHash(hashToken(token));
    if (!family) throw new CoreError('unauthenticated');
    const { role } = await this.liveFamily(family);
    return { userId: family.userId, role, sessionId: family.id, ...context };
  }

  /** The CSRF token that goes with a session. */
  csrfToken(sessionId: string): string {
    return this.o.refreshTokens.csrf(sessionId);
  }

  async me(actor: Actor): Promise<User> {
    const user = await this.o.users.get(actor.userId);
    if (!user) throw new CoreError('unauthenticated');
    return toWireUser(user, actor);
  }

  /**
   * A refresh token that is not the current one of any session: the previous one within the grace
   * (a second tab racing the first) gets the current token again; any other retired one is reuse.
   */
  private async refreshRetired(
    presented: string,
    context: RequestContext | undefined,
    csrf: string | undefined,
  ): Promise<IssuedSession> {
    const retired = await this.o.security.findRetiredToken(presented);
    if (!retired) throw new CoreError('unauthenticated');
    const family = await this.o.security.findSessionFamily(retired.sessionId);
    if (!family || family.revokedAt !== null) throw new CoreError('unauthenticated');
    this.checkCsrf(family.id, csrf);
    const now = this.o.clock.now().getTime();
    const recent =
      retired.generation === family.generation - 1 &&
      now - Date.parse(retired.retiredAt) <= this.o.refreshGraceMs &&
      family.tokenSalt !== null;
    if (recent && family.tokenSalt !== null) {
      const current = this.o.refreshTokens.derive(family.tokenSalt, family.generation);
      if (hashToken(current) === family.tokenHash) {
        await this.liveFamily(family);
        this.o.audit.record(this.subject(family, context), 'auth.refresh', { detail: { grace: true } });
        return this.issue(family, current);
      }
    }
    await this.o.guard.revoke({ userId: family.userId, sessionId: family.id }, 'refresh_token_reuse');
    await this.o.audit.recordNow(this.subject(family, context), 'auth.refresh_reuse', {
      outcome: 'refused',
      code: 'unauthenticated',
      detail: { generation: retired.generation },
    });
    throw new CoreError('unauthenticated', 'This refresh token was already used; the session is ended.');
  }

  private checkCsrf(sessionId: string, csrf: string | undefined): void {
    if (csrf !== undefined && csrf !== this.csrfToken(sessionId)) {
      throw new CoreError('forbidden', 'Missing or wrong X-CSRF-Token for a cookie-authenticated request.');
    }
  }

  private async liveFamily(family: SessionFamilyRecord): Promise<LiveAccess> {
    const now = this.o.clock.now().toISOString();
    if (family.revokedAt !== null || family.expiresAt <= now) throw new CoreError('unauthenticated');
    return this.o.guard.checkFamily(family);
  }

  private subject(family: SessionFamilyRecord, context?: RequestContext): AuditSubject {
    return { ...context, userId: family.userId, sessionId: family.id };
  }

  private async issue(session: SessionFamilyRecord, refreshToken: string): Promise<IssuedSession> {
    const user = await this.o.store.findUserById(session.userId);
    if (!user) throw new CoreError('unauthenticated');
    this.o.users.forget(user.id);
    const accessToken = await this.o.tokens.sign(
      { userId: user.id, role: user.role, sessionId: session.id },
      this.o.clock.now(),
    );
    return {
      user: toWireUser(user, { userId: user.id, role: user.role }),
      sessionId: session.id,
      accessToken,
      refreshToken,
      csrfToken: this.csrfToken(session.id),
      expiresIn: this.o.tokens.ttlSeconds,
      sessionExpiresAt: session.expiresAt,
    };
  }

  private sessionExpiry(now: Date): string {
    return new Date(now.getTime() + this.o.sessionTtlDays * 86_400_000).toISOString();
  }
}
