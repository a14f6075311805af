import { type Kysely, type Migration, sql } from 'kysely';

/**
 * doctor_ready leases expire: a claim records until when it holds and when the event went out, so
 * another node sends it when the claiming node died before publishing (issue 17, point 5).
 * Leases written before this migration were sent (the old code published right after claiming).
 */
export const doctorReadyDelivery: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('doctor_ready_leases').addColumn('claimed_until', 'text').execute();
    await db.schema.alterTable('doctor_ready_leases').addColumn('sent_at', 'text').execute();
    await sql`update doctor_ready_leases set claimed_until = claimed_at, sent_at = claimed_at`.execute(db);
  },
};
