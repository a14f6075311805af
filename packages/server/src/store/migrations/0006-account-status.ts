import type { Kysely, Migration } from 'kysely';

/**
 * Who is a practitioner: an account's status (`active`, `pending` until an admin approves a
 * practitioner who signed up themselves, `rejected`). Every existing account stays active.
 */
export const accountStatus: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('users')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
      .execute();
    await db.schema.createIndex('users_role_status').on('users').columns(['role', 'status']).execute();
  },
};
