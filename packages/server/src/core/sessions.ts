import type { SessionRevokedEvent } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { CoreError } from './errors.js';
import { domainEvent } from './events.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore, SessionFamilyRecord } from './ports/security-store.js';

export type RevokeReason = SessionRevokedEvent['reason'];

export interface SessionGuardOptions {
  store: SecurityStore;
  bus: Bus;
  clock: Clock;
  audit: AuditLog;
  /** A session unused this long is ended on its next use (0: never). */
  idleMs: number;
  /** How long a "this session is live" answer is reused before asking the store again. */
  cacheMs?: number;
  /** How often, at most, a session's last use is written to the store. */
  touchMs?: number;
  maxEntries?: number;
}

interface Entry {
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
      if (envelope.kind !== 'session.revoked') return;
      for (const id of envelope.sessionIds) this.#entries.delete(id);
    });
  }

  get idleMs(): number {
    return this.o.idleMs;
  }

  /**
   * Throws `unauthenticated` unless the actor's session is live and not idle past the limit.
   * `use` marks it used (a request, a connection, a frame); a check alone (the sweep) does not.
   */
  async check(actor: Pick<Actor, 'userId' | 'sessionId'> & Partial<Actor>, use = true): Promise<void> {
    const now = this.o.clock.now().getTime();
    let entry = this.#entries.get(actor.sessionId);
    if (!entry || now - entry.checkedAt > this.#cacheMs) {
      const family = await this.o.store.findSessionFamily(actor.sessionId);
      if (!family || family.userId !== actor.userId || !isLive(family, now)) {
        this.#entries.delete(actor.sessionId);
        throw new CoreError('unauthenticated', 'The session has ended; sign in again.');
      }
      entry = this.remember(family, now, entry);
    }
    if (now >= entry.expiresAt) {
      this.#entries.delete(actor.sessionId);
      throw new CoreError('unauthenticated', 'The session has ended; sign in again.');
    }
    if (this.o.idleMs > 0 && now - entry.lastUsed > this.o.idleMs) {
      await this.revoke(actor, 'idle');
      this.o.audit.record(actor, 'auth.idle_logoff', { outcome: 'refused', code: 'unauthenticated' });
      throw new CoreError('unauthenticated', 'Signed out after inactivity; sign in again.');
    }
    if (!use) return;
    entry.lastUsed = now;
    if (now - entry.lastWritten >= this.#touchMs) {
      entry.lastWritten = now;
      await this.o.store.touchSession(actor.sessionId, new Date(now).toISOString());
    }
  }

  /** A session family just read from the store (refresh, cookie): is it live and not idle? */
  async checkFamily(family: SessionFamilyRecord): Promise<void> {
    await this.check({ userId: family.userId, sessionId: family.id });
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
   * Checks the sessions behind open connections (the bus may have lost a revocation, or a session
   * expired or went idle); returns the ones that are no longer live.
   */
  async stale(sessions: ReadonlyArray<Pick<Actor, 'userId' | 'sessionId'>>): Promise<string[]> {
    const now = this.o.clock.now().getTime();
    const ids = [...new Set(sessions.map((s) => s.sessionId))];
    const families = new Map((await this.o.store.findSessionFamilies(ids)).map((f) => [f.id, f]));
    const stale: string[] = [];
    for (const id of ids) {
      const family = families.get(id);
      if (!family || !isLive(family, now)) {
        stale.push(id);
        this.#entries.delete(id);
        continue;
      }
      const entry = this.remember(family, now, this.#entries.get(id));
      if (this.o.idleMs > 0 && now - entry.lastUsed > this.o.idleMs) {
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

  private remember(family: SessionFamilyRecord, now: number, previous: Entry | undefined): Entry {
    const stored = Date.parse(family.lastUsedAt ?? family.rotatedAt ?? family.createdAt);
    const entry: Entry = {
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

function isLive(family: SessionFamilyRecord, now: number): boolean {
  return family.revokedAt === null && Date.parse(family.expiresAt) > now;
}
