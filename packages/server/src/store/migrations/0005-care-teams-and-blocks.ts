import type { Kysely, Migration } from 'kysely';

/**
 * Care relationships that hold (issue 12): who added a practitioner to a patient's conversation
 * (their access lasts while the adder's own relationship lasts), the practitioners a patient has
 * blocked, and the moment either side ended an appointment's hold early.
 */
export const careTeamsAndBlocks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('care_team_members')
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('care_team_members_pk', ['conversation_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('blocks')
      .addColumn('patient_id', 'text', (c) => c.notNull())
      .addColumn('blocked_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('blocks_pk', ['patient_id', 'blocked_id'])
      .execute();
    await db.schema.createIndex('blocks_blocked').on('blocks').column('blocked_id').execute();
    await db.schema.alterTable('appointments').addColumn('ended_at', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('appointments').dropColumn('ended_at').execute();
    await db.schema.dropTable('blocks').execute();
    await db.schema.dropTable('care_team_members').execute();
  },
};
