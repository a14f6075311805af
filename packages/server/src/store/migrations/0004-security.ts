import { type Kysely, type Migration, sql } from 'kysely';
import { isSqlite } from './dialect.js';

/**
 * Security and compliance: the append-only audit trail, session families (refresh-token rotation
 * with reuse detection, idle logoff), login throttling, and per-user settings and account deletion.
 */
export const security: Migration = {
  async up(db: Kysely<unknown>) {
    // Who did what to which ids, when, from which door and address. Never message content.
    await db.schema
      .createTable('audit_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('actor_id', 'text')
      .addColumn('actor_role', 'text')
      .addColumn('session_id', 'text')
      .addColumn('door', 'text')
      .addColumn('address', 'text')
      .addColumn('conversation_id', 'text')
      .addColumn('message_id', 'text')
      .addColumn('target_user_id', 'text')
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('audit_events_at').on('audit_events').columns(['at', 'id']).execute();
    for (const column of ['actor_id', 'conversation_id', 'target_user_id']) {
      await db.schema
        .createIndex(`audit_events_${column}`)
        .on('audit_events')
        .columns([column, 'at'])
        .execute();
    }
    // Append-only, enforced by the database itself: no code path (nor a stray query) rewrites history.
    if (isSqlite(db)) {
      await sql`create trigger audit_events_no_update before update on audit_events
        begin select raise(abort, 'audit_events is append-only'); end`.execute(db);
      await sql`create trigger audit_events_no_delete before delete on audit_events
        begin select raise(abort, 'audit_events is append-only'); end`.execute(db);
    } else {
      await sql`create or replace function audit_events_append_only() returns trigger as $$
        begin raise exception 'audit_events is append-only'; end; $$ language plpgsql`.execute(db);
      await sql`create trigger audit_events_no_change before update or delete on audit_events
        for each row execute function audit_events_append_only()`.execute(db);
    }

    // A session is a refresh-token family: its token rotates on every refresh (generation + 1).
    await db.schema.alterTable('sessions').addColumn('last_used_at', 'text').execute();
    await db.schema
      .alterTable('sessions')
      .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('sessions').addColumn('token_salt', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('rotated_at', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('revoked_reason', 'text').execute();
    // Every refresh token a family has retired: presenting one again is reuse (theft), which
    // revokes the family — except the one just retired, within the concurrent-tabs grace.
    await db.schema
      .createTable('session_retired_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('retired_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('session_retired_tokens_session')
      .on('session_retired_tokens')
      .column('session_id')
      .execute();

    // Failed sign-ins per account (keyed hash of the email) and per address: growing back-off.
    await db.schema
      .createTable('login_throttle')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('blocked_until', 'text')
      .addColumn('last_failure_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .alterTable('users')
      .addColumn('notification_previews', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('users').addColumn('deleted_at', 'text').execute();
  },

  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('users').dropColumn('deleted_at').execute();
    await db.schema.alterTable('users').dropColumn('notification_previews').execute();
    await db.schema.dropTable('login_throttle').ifExists().execute();
    await db.schema.dropTable('session_retired_tokens').ifExists().execute();
    for (const column of ['revoked_reason', 'rotated_at', 'token_salt', 'generation', 'last_used_at']) {
      await db.schema.alterTable('sessions').dropColumn(column).execute();
    }
    if (!isSqlite(db)) await sql`drop function if exists audit_events_append_only cascade`.execute(db);
    await db.schema.dropTable('audit_events').ifExists().execute();
  },
};
