import type { Kysely, Migration } from 'kysely';

/** One-time sign-in links for a host platform's users (stored as the hash of their token). */
export const signInLinks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('sign_in_links')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('sign_in_links').ifExists().execute();
  },
};
