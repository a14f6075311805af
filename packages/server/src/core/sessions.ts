import type { AccountStatus, Role, SessionRevokedEvent } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { CoreError } from './errors.js';
import { domainEvent } from './events.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore, SessionFamilyRecord } from './ports/security-store.js';
import type { UserRecord } from './ports/user-store.js';

export type RevokeReason = SessionRevokedEvent['reason'];

export interface SessionGuardOptions {
  store: SecurityStore;
  bus: Bus;
  clock: Clock;
  audit: AuditLog;
  /** Users as stored now (not a cache): the role and status a session acts with. */
  findUsers: (userIds: readonly string[]) => Promise<Array<Pick<UserRecord, 'id' | 'role' | 'status'>>>;
  /** A session unused this long is ended on its next use (0: never). */
  idleMs: number;
  /** How long a "this session is live" answer is reused before asking the store again. */
  cacheMs?: number;
  /** How often, at most, a session's last use is written to the store. */
  touchMs?: number;
  maxEntries?: number;
}

/** What a live session acts as: the user's role and status now, not when the token was signed. */
export interface LiveAccess {
  role: Role;
  status: AccountStatus;
}

interface Entry extends LiveAccess {
  userId: string;
  checkedAt: number;
  /** The latest use known here (this node's, or the store's). */
  lastUsed: number;
  lastWritten: number;
  expiresAt: number;
}

/**
 * Whether a session is still live, asked on every authenticated request and connection. Access
 * tokens are JWTs that verify without the store, so without this a revoked session's token would
 * keep working until it expires; the answer is cached for a few seconds to keep it cheap, and
 * revocations reach every node's cache (and open sockets) through the bus at once.
 */
export class SessionGuard {
  readonly #entries = new Map<string, Entry>();
  readonly #cacheMs: number;
  readonly #touchMs: number;
  readonly #maxEntries: number;
  readonly #unsubscribe: () => void;

  constructor(private readonly o: SessionGuardOptions) {
    this.#cacheMs = o.cacheMs ?? 5000;
    this.#touchMs = o.touchMs ?? 60_000;
    this.#maxEntries = o.maxEntries ?? 100_000;
    this.#unsubscribe = o.bus.subscribe((envelope) => {
      if (envelope.kind === 'session.revoked') {
        for (const id of envelope.sessionIds) this.#entries.delete(id);
      } else if (envelope.kind === 'user.access_changed') {
        // Role or status changed: that user's next request or frame reads them again.
        for (const [id, entry] of this.#entries)
          if (entry.userId === envelope.userId) this.#entries.delete(id);
      }
    });
  }

  get idleMs(): number {
    return this.o.idleMs;
  }

  /**
   * Throws `unauthenticated` unless the actor's session is live and not idle past the limit.
   * `use` marks it used (a request, a connection, a frame); a check alone (the sweep) does not.
   * Returns the role and status the user has now (cached as long as the session's answer, and
   * dropped on every node when they change), which is what the session acts with.
   */
  async check(actor: Pick<Actor, 'userId' | 'sessionId'> & Partial<Actor>, use = true): Promise<LiveAccess> {
    const now = this.o.clock.now().getTime();
    let entry = this.#entries.get(actor.sessionId);
    if (!entry || now - entry.checkedAt > this.#cacheMs) {
      const [family, [user]] = await Promise.all([
        this.o.store.findSessionFamily(actor.sessionId),
        this.o.findUsers([actor.userId]),
      ]);
      if (
        !family ||
        !user ||
        family.userId !== actor.userId ||
        !isLive(family, now) ||
        user.status === 'rejected'
      ) {
        this.#entries.delete(actor.sessionId);
        throw new CoreError('unauthenticated', 'The session has ended; sign in again.');
      }
      entry = this.remember(family, now, entry, { role: user.role, status: user.status ?? 'active' });
    }
    const access: LiveAccess = { role: entry.role, status: entry.status };
    if (now >= entry.expiresAt) {
      this.#entries.delete(actor.sessionId);
      throw new CoreError('unauthenticated', 'The session has ended; sign in again.');
    }
    if (this.o.idleMs > 0 && now - entry.lastUsed > this.o.idleMs) {
      await this.revoke(actor, 'idle');
      this.o.audit.record(actor, 'auth.idle_logoff', { outcome: 'refused', code: 'unauthenticated' });
      throw new CoreError('unauthenticated', 'Signed out after inactivity; sign in again.');
    }
    if (!use) return access;
    entry.lastUsed = now;
    if (now - entry.lastWritten >= this.#touchMs) {
      entry.lastWritten = now;
      await this.o.store.touchSession(actor.sessionId, new Date(now).toISOString());
    }
    return access;
  }

  /** A session family just read from the store (refresh, cookie): is it live and not idle? */
  async checkFamily(family: SessionFamilyRecord): Promise<LiveAccess> {
    return this.check({ userId: family.userId, sessionId: family.id });
  }

  /** Ends one session everywhere: its refreshes, its access tokens, its open connections. */
  async revoke(actor: Pick<Actor, 'userId' | 'sessionId'>, reason: RevokeReason): Promise<boolean> {
    const at = this.o.clock.now().toISOString();
    const revoked = await this.o.store.revokeSessionFamily(actor.sessionId, at, reason);
    await this.announce(actor.userId, [actor.sessionId], reason);
    return revoked;
  }

  /** Ends every session of a user (log out everywhere, account deletion). Returns their ids. */
  async revokeAll(userId: string, reason: RevokeReason, exceptSessionId?: string): Promise<string[]> {
    const at = this.o.clock.now().toISOString();
    const ids = await this.o.store.revokeUserSessions(userId, at, reason, exceptSessionId);
    if (ids.length > 0) await this.announce(userId, ids, reason);
    return ids;
  }

  /**
   * Checks the sessions behind open connections (the bus may have lost a revocation or a change of
   * role, or a session expired or went idle); returns the ones that are no longer live, or whose
   * connections act with a role the user no longer has.
   */
  async stale(sessions: ReadonlyArray<Pick<Actor, 'userId' | 'sessionId' | 'role'>>): Promise<string[]> {
    const now = this.o.clock.now().getTime();
    const ids = [...new Set(sessions.map((s) => s.sessionId))];
    const [familyList, users] = await Promise.all([
      this.o.store.findSessionFamilies(ids),
      this.o.findUsers([...new Set(sessions.map((s) => s.userId))]),
    ]);
    const families = new Map(familyList.map((f) => [f.id, f]));
    const usersById = new Map(users.map((u) => [u.id, u]));
    const changed = new Set(
      sessions
        .filter((s) => {
          const user = usersById.get(s.userId);
          return !user || user.role !== s.role || user.status === 'rejected';
        })
        .map((s) => s.sessionId),
    );
    const stale: string[] = [];
    for (const id of ids) {
      const family = families.get(id);
      if (!family || !isLive(family, now) || changed.has(id)) {
        stale.push(id);
        this.#entries.delete(id);
        continue;
      }
      const previous = this.#entries.get(id);
      const lastUsed = Math.max(previous?.lastUsed ?? 0, Date.parse(lastUseOf(family)));
      // A cached role and status stay as they are: they are dropped when they change.
      if (previous) this.remember(family, now, previous, previous);
      if (this.o.idleMs > 0 && now - lastUsed > this.o.idleMs) {
        await this.o.store.revokeSessionFamily(id, new Date(now).toISOString(), 'idle');
        this.o.audit.record({ userId: family.userId, sessionId: id }, 'auth.idle_logoff', {
          outcome: 'refused',
          code: 'unauthenticated',
        });
        this.#entries.delete(id);
        stale.push(id);
      }
    }
    return stale;
  }

  close(): void {
    this.#unsubscribe();
  }

  private async announce(userId: string, sessionIds: string[], reason: RevokeReason): Promise<void> {
    for (const id of sessionIds) this.#entries.delete(id);
    await this.o.bus.publish(domainEvent('session.revoked', [userId], { sessionIds, reason }));
  }

  private remember(
    family: SessionFamilyRecord,
    now: number,
    previous: Entry | undefined,
    access: LiveAccess,
  ): Entry {
    const stored = Date.parse(lastUseOf(family));
    const entry: Entry = {
      ...access,
      userId: family.userId,
      checkedAt: now,
      lastUsed: Math.max(previous?.lastUsed ?? 0, stored),
      lastWritten: Math.max(previous?.lastWritten ?? 0, stored),
      expiresAt: Date.parse(family.expiresAt),
    };
    if (!previous && this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(family.id, entry);
    return entry;
  }
}

function lastUseOf(family: SessionFamilyRecord): string {
  return family.lastUsedAt ?? family.rotatedAt ?? family.createdAt;
}

function isLive(family: SessionFamilyRecord, now: number): boolean {
  return family.revokedAt === null && Date.parse(family.expiresAt) > now;
}
