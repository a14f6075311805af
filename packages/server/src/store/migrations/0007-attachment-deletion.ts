import type { Kysely, Migration } from 'kysely';

/** An attachment of a deleted message is marked deleted with it (its bytes are removed after the commit). */
export const attachmentDeletion: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('attachments').addColumn('deleted_at', 'text').execute();
    await db.schema.createIndex('attachments_message').on('attachments').column('message_id').execute();
  },
};
