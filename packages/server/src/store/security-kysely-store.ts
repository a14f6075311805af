import type { AuditAction, Door, Role } from '@carechat/protocol';
import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  AuditFilter,
  AuditRecord,
  LoginThrottleRecord,
  RetiredTokenRecord,
  SecurityStore,
  SessionFamilyRecord,
  SessionRotation,
  SignInLinkRecord,
  SignupConfirmationRecord,
} from '../core/ports/security-store.js';
import type { Store } from '../core/ports/store.js';
import { insertAuditRows } from './audit-row.js';
import { isKyselyBacked } from './kysely-backed.js';
import { readsInOneQuery } from './reads-in-one-query.js';
import type { Database } from './schema.js';
import type { SecurityDatabase } from './security-schema.js';

type Db = Kysely<Database & SecurityDatabase>;

/** The security store over the same Kysely instance (and so the same pool) as the main store. */
export class KyselySecurityStore implements SecurityStore {
  readonly #db: Db;
  /** Every request and returning socket checks its session: one query per turn for all of them. */
  readonly #sessionsById = readsInOneQuery(
    (ids) => this.findSessionFamilies(ids),
    (family) => family.id,
  );

  constructor(
    db: Kysely<Database>,
    /** Where a session's last use is written instead, when the store has a better way (KyselyStore). */
    private readonly touchElsewhere?: (sessionId: string, at: string) => Promise<void>,
  ) {
    this.#db = db.withTables<SecurityDatabase>();
  }

  async appendAuditEvents(events: readonly AuditRecord[]): Promise<void> {
    await insertAuditRows(this.#db, events);
  }

  async queryAuditEvents(filter: AuditFilter, limit: number): Promise<AuditRecord[]> {
    let query = this.#db.selectFrom('audit_events').selectAll();
    if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
    if (filter.notActorId !== undefined) {
      const other = filter.notActorId;
      query = query.where((eb) => eb.or([eb('actor_id', 'is', null), eb('actor_id', '!=', other)]));
    }
    if (filter.targetUserId !== undefined) query = query.where('target_user_id', '=', filter.targetUserId);
    if (filter.conversationId !== undefined)
      query = query.where('conversation_id', '=', filter.conversationId);
    if (filter.conversationIds !== undefined) {
      if (filter.conversationIds.length === 0) return [];
      query = query.where('conversation_id', 'in', [...filter.conversationIds]);
    }
    if (filter.actions !== undefined) {
      if (filter.actions.length === 0) return [];
      query = query.where('action', 'in', [...filter.actions]);
    }
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('at', '<', filter.until);
    const before = filter.before;
    if (before !== undefined) {
      query = query.where((eb) =>
        eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
      );
    }
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toAudit);
  }

  async insertSessionFamily(s: SessionFamilyRecord): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id: s.id,
        user_id: s.userId,
        token_hash: s.tokenHash,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        revoked_at: s.revokedAt,
        revoked_reason: s.revokedReason,
        last_used_at: s.lastUsedAt,
        generation: s.generation,
        token_salt: s.tokenSalt,
        rotated_at: s.rotatedAt,
      })
      .execute();
  }

  async findSessionFamily(id: string): Promise<SessionFamilyRecord | undefined> {
    const [family] = await this.#sessionsById([id]);
    return family;
  }

  async findSessionFamilies(ids: readonly string[]): Promise<SessionFamilyRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toFamily);
  }

  async findSessionFamilyByTokenHash(tokenHash: string): Promise<SessionFamilyRecord | undefined> {
    const row = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toFamily(row);
  }

  async findRetiredToken(tokenHash: string): Promise<RetiredTokenRecord | undefined> {
    const row = await this.#db
      .selectFrom('session_retired_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return (
      row && {
        tokenHash: row.token_hash,
        sessionId: row.session_id,
        generation: Number(row.generation),
        retiredAt: row.retired_at,
      }
    );
  }

  async rotateSessionFamily(r: SessionRotation): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('sessions')
        .set({
          token_hash: r.newHash,
          generation: r.generation,
          token_salt: r.tokenSalt,
          rotated_at: r.at,
          last_used_at: r.at,
          expires_at: r.expiresAt,
        })
        .where('id', '=', r.id)
        .where('token_hash', '=', r.oldHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('session_retired_tokens')
        .values({ token_hash: r.oldHash, session_id: r.id, generation: r.generation - 1, retired_at: r.at })
        .onConflict((oc) => oc.column('token_hash').doNothing())
        .execute();
      return true;
    });
  }

  async revokeSessionFamily(id: string, at: string, reason: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeUserSessions(userId: string, at: string, reason: string, exceptId?: string): Promise<string[]> {
    return this.#db.transaction().execute(async (trx) => {
      let live = trx
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (exceptId !== undefined) live = live.where('id', '!=', exceptId);
      const ids = (await live.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      await trx
        .updateTable('sessions')
        .set({ revoked_at: at, revoked_reason: reason })
        .where('id', 'in', ids)
        .where('revoked_at', 'is', null)
        .execute();
      return ids;
    });
  }

  async touchSession(id: string, at: string): Promise<void> {
    if (this.touchElsewhere) return this.touchElsewhere(id, at);
    await this.#db
      .updateTable('sessions')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
      .execute();
  }

  async findThrottles(keys: readonly string[]): Promise<LoginThrottleRecord[]> {
    if (keys.length === 0) return [];
    const rows = await this.#db
      .selectFrom('login_throttle')
      .selectAll()
      .where('key', 'in', [...keys])
      .execute();
    return rows.map((row) => ({
      key: row.key,
      failures: Number(row.failures),
      blockedUntil: row.blocked_until,
      lastFailureAt: row.last_failure_at,
    }));
  }

  async reserveThrottle(key: string, at: string, forgetBefore: string): Promise<number> {
    const row = await this.#db
      .insertInto('login_throttle')
      .values({ key, failures: 1, blocked_until: null, last_failure_at: at })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when login_throttle.last_failure_at < ${forgetBefore} then 1 else login_throttle.failures + 1 end`,
          blocked_until: sql<
            string | null
          >`case when login_throttle.last_failure_at < ${forgetBefore} then null else login_throttle.blocked_until end`,
          last_failure_at: at,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    return Number(row.failures);
  }

  async claimThrottle(key: string, at: string, blockedUntil: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('login_throttle')
      .set({ blocked_until: blockedUntil })
      .where('key', '=', key)
      .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<=', at)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async releaseThrottle(key: string): Promise<void> {
    await this.#db
      .updateTable('login_throttle')
      .set({ failures: sql<number>`failures - 1` })
      .where('key', '=', key)
      .where('failures', '>', 0)
      .execute();
  }

  async clearThrottle(key: string): Promise<void> {
    await this.#db.deleteFrom('login_throttle').where('key', '=', key).execute();
  }

  async insertSignInLink(link: SignInLinkRecord): Promise<void> {
    await this.#db
      .insertInto('sign_in_links')
      .values({
        token_hash: link.tokenHash,
        user_id: link.userId,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
        used_at: link.usedAt,
      })
      .execute();
  }

  async claimSignInLink(tokenHash: string, at: string): Promise<string | undefined> {
    const row = await this.#db
      .updateTable('sign_in_links')
      .set({ used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .returning('user_id')
      .executeTakeFirst();
    return row?.user_id;
  }

  async findSignInLink(tokenHash: string): Promise<SignInLinkRecord | undefined> {
    const row = await this.#db
      .selectFrom('sign_in_links')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row
      ? {
          tokenHash: row.token_hash,
          userId: row.user_id,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
          usedAt: row.used_at,
        }
      : undefined;
  }

  async insertSignupConfirmation(c: SignupConfirmationRecord): Promise<void> {
    await this.#db
      .insertInto('signup_confirmations')
      .values({
        token_hash: c.tokenHash,
        email: c.email,
        name: c.name,
        role: c.role,
        password_hash: c.passwordHash,
        created_at: c.createdAt,
        expires_at: c.expiresAt,
        used_at: null,
      })
      .execute();
  }

  async claimSignupConfirmation(
    tokenHash: string,
    at: string,
  ): Promise<SignupConfirmationRecord | undefined> {
    const row = await this.#db
      .updateTable('signup_confirmations')
      .set({ used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .returningAll()
      .executeTakeFirst();
    return row
      ? {
          tokenHash: row.token_hash,
          email: row.email,
          name: row.name,
          role: row.role as Role,
          passwordHash: row.password_hash,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      : undefined;
  }

  async getNotificationPreviews(userIds: readonly string[]): Promise<Map<string, boolean>> {
    const result = new Map<string, boolean>();
    if (userIds.length === 0) return result;
    const rows = await this.#db
      .selectFrom('users')
      .select(['id', 'notification_previews'])
      .where('id', 'in', [...userIds])
      .execute();
    for (const row of rows) result.set(row.id, Number(row.notification_previews) === 1);
    return result;
  }

  async setNotificationPreviews(userId: string, on: boolean): Promise<void> {
    await this.#db
      .updateTable('users')
      .set({ notification_previews: on ? 1 : 0 })
      .where('id', '=', userId)
      .execute();
  }

  async tombstoneUser(userId: string, at: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({
          name: 'Deleted user',
          // Unique and undeliverable: the address is gone, the row stays for the record's integrity.
          email: `deleted+${userId.toLowerCase()}@deleted.invalid`,
          password_hash: null,
          notification_previews: 0,
          deleted_at: at,
        })
        .where('id', '=', userId)
        .execute();
      // A host platform can no longer reach the account through its external id.
      await sql`delete from external_users where user_id = ${userId}`.execute(trx);
    });
  }

  async isDeleted(userId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('users')
      .select('deleted_at')
      .where('id', '=', userId)
      .executeTakeFirst();
    return row?.deleted_at != null;
  }

  async purgeBefore(cutoff: string): Promise<{ messages: number; attachmentKeys: string[] }> {
    return this.#db.transaction().execute(async (trx) => {
      const expired = trx.selectFrom('messages').select('id').where('created_at', '<', cutoff);
      const attachments = await trx
        .selectFrom('attachments')
        .select(['id', 'storage_key'])
        .where((eb) =>
          eb.or([
            eb('message_id', 'in', expired),
            eb.and([eb('message_id', 'is', null), eb('created_at', '<', cutoff)]),
          ]),
        )
        .execute();
      if (attachments.length > 0) {
        // Tombstones until their bytes are removed (forgetAttachments): nothing serves them,
        // nothing binds them, and the next purge finds them again if a removal fails.
        await trx
          .updateTable('attachments')
          .set((eb) => ({
            message_id: null,
            name: '',
            deleted_at: eb.fn.coalesce('deleted_at', eb.val(cutoff)),
          }))
          .where(
            'id',
            'in',
            attachments.map((a) => a.id),
          )
          .execute();
      }
      // Replies to a purged message keep their own content; their quote becomes "deleted".
      await trx
        .updateTable('messages')
        .set({ reply_to: null })
        .where('reply_to', 'in', expired)
        .where('created_at', '>=', cutoff)
        .execute();
      // Reactions and edit history go by cascade; the search index by its triggers (SQLite FTS5)
      // or with the rows themselves (PostgreSQL's expression index).
      const deleted = await trx.deleteFrom('messages').where('created_at', '<', cutoff).executeTakeFirst();
      return {
        messages: Number(deleted.numDeletedRows),
        attachmentKeys: attachments.map((a) => a.storage_key),
      };
    });
  }

  async forgetAttachments(storageKeys: readonly string[]): Promise<void> {
    if (storageKeys.length === 0) return;
    await this.#db
      .deleteFrom('attachments')
      .where('storage_key', 'in', [...storageKeys])
      .where('message_id', 'is', null)
      .where('deleted_at', 'is not', null)
      .execute();
  }
}

/** The security store of a Kysely-backed store. */
export function securityStoreFor(store: Store): SecurityStore {
  if (isKyselyBacked(store)) return new KyselySecurityStore(store.db, store.touchSession);
  throw new Error('no security store for this store: pass one in the app deps');
}

type Row<T extends keyof SecurityDatabase> = Selectable<SecurityDatabase[T]>;

function toAudit(row: Row<'audit_events'>): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    action: row.action as AuditAction,
    outcome: row.outcome === 'refused' ? 'refused' : 'ok',
    code: row.code,
    actorId: row.actor_id,
    actorRole: row.actor_role as Role | null,
    sessionId: row.session_id,
    door: row.door as Door | null,
    address: row.address,
    conversationId: row.conversation_id,
    messageId: row.message_id,
    targetUserId: row.target_user_id,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as AuditRecord['detail']),
  };
}

function toFamily(row: Row<'sessions'>): SessionFamilyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    lastUsedAt: row.last_used_at,
    generation: Number(row.generation),
    tokenSalt: row.token_salt,
    rotatedAt: row.rotated_at,
  };
}
