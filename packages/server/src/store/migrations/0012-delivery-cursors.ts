import type { Kysely, Migration } from 'kysely';

/**
 * How far each signed-in session's per-conversation socket is known to have received a
 * conversation: a client that only reconnects (seed 004's hook sends no `resume`) is replayed
 * from here (docs/decisions/1301-reconnect-without-resume.md).
 */
export const deliveryCursors: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('delivery_cursors')
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) =>
        c.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('delivery_cursors_pk', ['session_id', 'conversation_id'])
      .execute();
    // Cursors of sessions that cannot be alive any more are dropped per conversation.
    await db.schema
      .createIndex('delivery_cursors_conversation')
      .on('delivery_cursors')
      .columns(['conversation_id', 'updated_at'])
      .execute();
  },
};
