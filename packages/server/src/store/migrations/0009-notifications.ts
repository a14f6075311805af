import type { Kysely, Migration } from 'kysely';

/**
 * Reaching people who are not looking (docs/notifications.md): push subscriptions per user and
 * device, each person's notification settings, and the due notifications of the escalation
 * ladder. Due work lives here, not in timers, so any node may send it and a restart loses none.
 */
export const notifications: Migration = {
  async up(db: Kysely<unknown>) {
    // One row per browser subscription; the device is the session that registered it (logout removes it).
    await db.schema
      .createTable('push_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('endpoint', 'text', (c) => c.notNull().unique())
      .addColumn('p256dh', 'text', (c) => c.notNull())
      .addColumn('auth', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('push_subscriptions_user')
      .on('push_subscriptions')
      .column('user_id')
      .execute();
    await db.schema
      .createIndex('push_subscriptions_session')
      .on('push_subscriptions')
      .column('session_id')
      .execute();

    // Absent row: the defaults (push and email on, no quiet hours).
    await db.schema
      .createTable('notification_preferences')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('push_enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('email_enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('quiet_start', 'text')
      .addColumn('quiet_end', 'text')
      .addColumn('time_zone', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    // One row per (person, conversation, step, round): a round is the unread streak that began
    // after the person's read marker `round`, so the unique key is "at most one notification per
    // conversation per step" and a node that inserts it again changes nothing.
    await db.schema
      .createTable('due_notifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().defaultTo('due'))
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('done_at', 'text')
      .addUniqueConstraint('due_notifications_once', ['user_id', 'conversation_id', 'step', 'round'])
      .execute();
    await db.schema
      .createIndex('due_notifications_due')
      .on('due_notifications')
      .columns(['state', 'due_at'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('due_notifications').execute();
    await db.schema.dropTable('notification_preferences').execute();
    await db.schema.dropTable('push_subscriptions').execute();
  },
};
