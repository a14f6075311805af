import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  DueNotificationRecord,
  NotificationPreferences,
  NotificationStep,
  NotificationStore,
  PushSubscriptionRecord,
} from '../core/ports/notification-store.js';
import type { Store } from '../core/ports/store.js';
import { isKyselyBacked } from './kysely-backed.js';
import type { NotificationDatabase } from './notification-schema.js';
import type { Database } from './schema.js';

type Db = Kysely<Database & NotificationDatabase>;

/** The notification store over the same Kysely instance (and pool) as the main store. */
export class KyselyNotificationStore implements NotificationStore {
  readonly #db: Db;

  constructor(
    db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    this.#db = db.withTables<NotificationDatabase>();
  }

  async putPushSubscription(s: PushSubscriptionRecord): Promise<void> {
    await this.#db
      .insertInto('push_subscriptions')
      .values({
        id: s.id,
        user_id: s.userId,
        session_id: s.sessionId,
        endpoint: s.endpoint,
        p256dh: s.p256dh,
        auth: s.auth,
        created_at: s.createdAt,
      })
      // A browser's endpoint is its device: signing in as someone else there moves it to them.
      .onConflict((oc) =>
        oc.column('endpoint').doUpdateSet({
          user_id: s.userId,
          session_id: s.sessionId,
          p256dh: s.p256dh,
          auth: s.auth,
          created_at: s.createdAt,
        }),
      )
      .execute();
  }

  async listPushSubscriptions(userId: string): Promise<PushSubscriptionRecord[]> {
    const rows = await this.#db
      .selectFrom('push_subscriptions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      sessionId: r.session_id,
      endpoint: r.endpoint,
      p256dh: r.p256dh,
      auth: r.auth,
      createdAt: r.created_at,
    }));
  }

  async deletePushSubscription(userId: string, endpoint: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('push_subscriptions')
      .where('user_id', '=', userId)
      .where('endpoint', '=', endpoint)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deletePushEndpoint(endpoint: string): Promise<void> {
    await this.#db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint).execute();
  }

  async deletePushSubscriptionsOfUser(userId: string): Promise<void> {
    await this.#db.deleteFrom('push_subscriptions').where('user_id', '=', userId).execute();
  }

  async deletePushSubscriptionsOfSessions(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.#db
      .deleteFrom('push_subscriptions')
      .where('session_id', 'in', [...sessionIds])
      .execute();
  }

  async getPreferences(userId: string): Promise<NotificationPreferences | undefined> {
    const row = await this.#db
      .selectFrom('notification_preferences')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      pushEnabled: row.push_enabled === 1,
      emailEnabled: row.email_enabled === 1,
      quietHours:
        row.quiet_start && row.quiet_end && row.time_zone
          ? { start: row.quiet_start, end: row.quiet_end, timeZone: row.time_zone }
          : null,
    };
  }

  async putPreferences(userId: string, p: NotificationPreferences, at: string): Promise<void> {
    const values = {
      push_enabled: p.pushEnabled ? 1 : 0,
      email_enabled: p.emailEnabled ? 1 : 0,
      quiet_start: p.quietHours?.start ?? null,
      quiet_end: p.quietHours?.end ?? null,
      time_zone: p.quietHours?.timeZone ?? null,
      updated_at: at,
    };
    await this.#db
      .insertInto('notification_preferences')
      .values({ user_id: userId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
  }

  async enqueue(rows: readonly DueNotificationRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#db
      .insertInto('due_notifications')
      .values(
        rows.map((r) => ({
          id: r.id,
          user_id: r.userId,
          conversation_id: r.conversationId,
          step: r.step,
          round: r.round,
          seq: r.seq,
          due_at: r.dueAt,
          created_at: r.createdAt,
        })),
      )
      .onConflict((oc) => oc.columns(['user_id', 'conversation_id', 'step', 'round']).doNothing())
      .execute();
  }

  async claimDue(
    owner: string,
    now: string,
    leaseUntil: string,
    limit: number,
  ): Promise<DueNotificationRecord[]> {
    // One statement either way: the rows chosen and the lease taken cannot be split by another node.
    const lock = this.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<Selectable<NotificationDatabase['due_notifications']>>`
      update due_notifications
         set lease_owner = ${owner}, lease_until = ${leaseUntil}, attempts = attempts + 1
       where id in (
         select id from due_notifications
          where state = 'due' and due_at <= ${now}
            and (lease_until is null or lease_until < ${now})
          order by due_at
          limit ${limit}
          ${lock})
      returning *`.execute(this.#db);
    return result.rows.map(toDue);
  }

  async finish(id: string, owner: string, state: 'sent' | 'skipped', at: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('due_notifications')
      .set({ state, done_at: at, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'due')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async postpone(id: string, owner: string, dueAt: string): Promise<void> {
    await this.#db
      .updateTable('due_notifications')
      .set({ due_at: dueAt, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'due')
      .execute();
  }

  async purgeFinished(before: string): Promise<void> {
    await this.#db
      .deleteFrom('due_notifications')
      .where('state', '!=', 'due')
      .where('done_at', '<', before)
      .execute();
  }

  async listSentPushes(
    userId: string,
    conversationId: string,
    seq: number,
  ): Promise<DueNotificationRecord[]> {
    const rows = await this.#db
      .selectFrom('due_notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .where('conversation_id', '=', conversationId)
      .where('step', '=', 'push')
      .where('state', '=', 'sent')
      .where('seq', '<=', seq)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('due_notifications as w')
              .select('w.id')
              .whereRef('w.user_id', '=', 'due_notifications.user_id')
              .whereRef('w.conversation_id', '=', 'due_notifications.conversation_id')
              .whereRef('w.round', '=', 'due_notifications.round')
              .where('w.step', '=', 'withdraw'),
          ),
        ),
      )
      .execute();
    return rows.map(toDue);
  }
}

/** The notification store sharing `store`'s database. */
export function notificationStoreFor(store: Store): NotificationStore {
  if (isKyselyBacked(store)) return new KyselyNotificationStore(store.db, store.dialect);
  throw new Error('no notification store for this store: pass one in the app deps');
}

function toDue(row: Selectable<NotificationDatabase['due_notifications']>): DueNotificationRecord {
  return {
    id: row.id,
    userId: row.user_id,
    conversationId: row.conversation_id,
    step: row.step as NotificationStep,
    round: Number(row.round),
    seq: Number(row.seq),
    dueAt: row.due_at,
    createdAt: row.created_at,
    attempts: Number(row.attempts),
  };
}
