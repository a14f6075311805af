import type { Kysely, Migration } from 'kysely';

/**
 * Sign-ups waiting for their email to be confirmed (SIGNUP_CONFIRMATION=email): the account is
 * made only when the link is opened, so a sign-up never says whether the address has one already.
 */
export const signupConfirmations: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('signup_confirmations')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('signup_confirmations').ifExists().execute();
  },
};
