import type { RegisterBody, User } from '@carechat/protocol';
import { type SessionRecord, type Store, StoreConflictError } from '../store/store.js';
import type { Actor } from './actor.js';
import type { Clock } from './clock.js';
import { CoreError } from './errors.js';
import { newId, newSecret } from './ids.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import { type AccessTokens, hashToken } from './tokens.js';
import { toWireUser, type UserDirectory } from './users.js';

export interface AuthOptions {
  store: Store;
  clock: Clock;
  users: UserDirectory;
  tokens: AccessTokens;
  sessionTtlDays: number;
  allowPractitionerSignup: boolean;
}

/** What a successful sign-in hands out: a short-lived access token and the session's refresh token. */
export interface IssuedSession {
  user: User;
  accessToken: string;
  /** Also the browser's session cookie. Rotated on every refresh. */
  refreshToken: string;
  expiresIn: number;
  sessionExpiresAt: string;
}

/**
 * Sign-up, sign-in and sessions. A session is a row holding the hash of its refresh token; the
 * access token (JWT) names the session, so revoking a session ends its refreshes.
 */
export class AuthService {
  constructor(private readonly o: AuthOptions) {}

  async register(input: RegisterBody): Promise<IssuedSession> {
    if (input.role === 'practitioner' && !this.o.allowPractitionerSignup) {
      throw new CoreError('forbidden', 'Practitioner sign-up is turned off on this server.');
    }
    const now = this.o.clock.now().toISOString();
    const user = {
      id: newId('usr'),
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdAt: now,
    };
    try {
      await this.o.store.insertUser(user);
    } catch (error) {
      if (error instanceof StoreConflictError) {
        throw new CoreError('conflict', 'An account with this email exists already.');
      }
      throw error;
    }
    return this.startSession(user.id);
  }

  async login(email: string, password: string): Promise<IssuedSession> {
    const user = await this.o.store.findUserByEmail(email.trim());
    const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user?.passwordHash || !valid) throw new CoreError('invalid_credentials');
    return this.startSession(user.id);
  }

  /** Opens a session for a user (also used by the server API to mint tokens for host platforms). */
  async startSession(userId: string): Promise<IssuedSession> {
    const now = this.o.clock.now();
    const refreshToken = newSecret();
    const session: SessionRecord = {
      id: newId('ses'),
      userId,
      tokenHash: hashToken(refreshToken),
      createdAt: now.toISOString(),
      expiresAt: this.sessionExpiry(now),
      revokedAt: null,
    };
    await this.o.store.insertSession(session);
    return this.issue(session, refreshToken);
  }

  /** Trades a refresh token for a new access token and a new refresh token; the old one stops working. */
  async refresh(refreshToken: string): Promise<IssuedSession> {
    const session = await this.liveSessionByToken(refreshToken);
    const next = newSecret();
    const expiresAt = this.sessionExpiry(this.o.clock.now());
    const rotated = await this.o.store.rotateSessionToken(
      session.id,
      session.tokenHash,
      hashToken(next),
      expiresAt,
    );
    if (!rotated) throw new CoreError('unauthenticated');
    return this.issue({ ...session, expiresAt }, next);
  }

  async logout(sessionId: string): Promise<void> {
    await this.o.store.revokeSession(sessionId, this.o.clock.now().toISOString());
  }

  /** The actor behind a bearer access token. */
  async authenticateAccessToken(token: string): Promise<Actor> {
    const claims = await this.o.tokens.verify(token, this.o.clock.now());
    if (!claims) throw new CoreError('unauthenticated');
    return { userId: claims.userId, role: claims.role, sessionId: claims.sessionId };
  }

  /** The actor behind a browser session cookie (the refresh token), checked against the store. */
  async authenticateSessionToken(token: string): Promise<Actor> {
    const session = await this.liveSessionByToken(token);
    const user = await this.o.users.get(session.userId);
    if (!user) throw new CoreError('unauthenticated');
    return { userId: user.id, role: user.role, sessionId: session.id };
  }

  async me(actor: Actor): Promise<User> {
    const user = await this.o.users.get(actor.userId);
    if (!user) throw new CoreError('unauthenticated');
    return toWireUser(user, actor);
  }

  private async liveSessionByToken(token: string): Promise<SessionRecord> {
    const session = await this.o.store.findSessionByTokenHash(hashToken(token));
    const now = this.o.clock.now().toISOString();
    if (!session || session.revokedAt !== null || session.expiresAt <= now) {
      throw new CoreError('unauthenticated');
    }
    return session;
  }

  private async issue(session: SessionRecord, refreshToken: string): Promise<IssuedSession> {
    const user = await this.o.store.findUserById(session.userId);
    if (!user) throw new CoreError('unauthenticated');
    this.o.users.forget(user.id);
    const accessToken = await this.o.tokens.sign(
      { userId: user.id, role: user.role, sessionId: session.id },
      this.o.clock.now(),
    );
    return {
      user: toWireUser(user, { userId: user.id, role: user.role }),
      accessToken,
      refreshToken,
      expiresIn: this.o.tokens.ttlSeconds,
      sessionExpiresAt: session.expiresAt,
    };
  }

  private sessionExpiry(now: Date): string {
    return new Date(now.getTime() + this.o.sessionTtlDays * 86_400_000).toISOString();
  }
}
