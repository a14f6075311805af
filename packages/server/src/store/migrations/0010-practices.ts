import type { Kysely, Migration } from 'kysely';

/**
 * Practices (issue 14): care teams an admin manages, the conversations they take part in (one per
 * practice and patient, with its triage state), and the team's saved replies.
 */
export const practices: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('practices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('away_notice', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('practice_members')
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('practice_members_pk', ['practice_id', 'user_id'])
      .execute();
    await db.schema.createIndex('practice_members_user').on('practice_members').column('user_id').execute();
    await db.schema
      .createTable('practice_conversations')
      .addColumn('conversation_id', 'text', (c) => c.primaryKey())
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('patient_id', 'text', (c) => c.notNull())
      .addColumn('assignee_id', 'text')
      .addColumn('assigned_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('practice_conversations_patient', ['practice_id', 'patient_id'])
      .execute();
    await db.schema
      .createTable('saved_replies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('saved_replies_practice').on('saved_replies').column('practice_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('saved_replies').execute();
    await db.schema.dropTable('practice_conversations').execute();
    await db.schema.dropTable('practice_members').execute();
    await db.schema.dropTable('practices').execute();
  },
};
