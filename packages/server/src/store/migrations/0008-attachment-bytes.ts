import type { Kysely, Migration } from 'kysely';
import { isSqlite } from './dialect.js';

/**
 * Attachment bytes in the database (issue 17, point 5): every node reads what any node stored.
 * An upload is written in parts as it arrives, so no node holds a whole file in memory.
 */
export const attachmentBytes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('attachment_parts')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('part', 'integer', (c) => c.notNull())
      .addColumn('bytes', isSqlite(db) ? 'blob' : 'bytea', (c) => c.notNull())
      .addPrimaryKeyConstraint('attachment_parts_pk', ['key', 'part'])
      .execute();
  },
};
