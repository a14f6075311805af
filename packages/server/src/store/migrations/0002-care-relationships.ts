import type { Kysely, Migration } from 'kysely';

/** Appointments, consultations, schedules, host platforms' external ids and doctor_ready leases. */
export const careRelationships: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('external_users')
      .addColumn('external_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('appointments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('external_id', 'text', (c) => c.unique())
      .addColumn('patient_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('practitioner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'text', (c) => c.notNull())
      .addColumn('ends_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('appointments_pair')
      .on('appointments')
      .columns(['patient_id', 'practitioner_id'])
      .execute();
    await db.schema
      .createIndex('appointments_practitioner')
      .on('appointments')
      .column('practitioner_id')
      .execute();

    await db.schema
      .createTable('consultations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('appointment_id', 'text', (c) =>
        c.notNull().unique().references('appointments.id').onDelete('cascade'),
      )
      .addColumn('patient_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('practitioner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('conversation_id', 'text', (c) => c.references('conversations.id').onDelete('set null'))
      .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('consultations_pair')
      .on('consultations')
      .columns(['patient_id', 'practitioner_id'])
      .execute();
    await db.schema
      .createIndex('consultations_conversation')
      .on('consultations')
      .column('conversation_id')
      .execute();
    await db.schema
      .createIndex('consultations_live')
      .on('consultations')
      .columns(['is_active', 'expires_at'])
      .execute();

    await db.schema
      .createTable('schedule_windows')
      .addColumn('practitioner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('day_of_week', 'integer', (c) => c.notNull())
      .addColumn('start_time', 'text', (c) => c.notNull())
      .addColumn('end_time', 'text', (c) => c.notNull())
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('schedule_windows_pk', [
        'practitioner_id',
        'day_of_week',
        'start_time',
        'timezone',
      ])
      .execute();

    await db.schema
      .createTable('doctor_ready_leases')
      .addColumn('consultation_id', 'text', (c) =>
        c.notNull().references('consultations.id').onDelete('cascade'),
      )
      .addColumn('window_key', 'text', (c) => c.notNull())
      .addColumn('claimed_by', 'text', (c) => c.notNull())
      .addColumn('claimed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('doctor_ready_leases_pk', ['consultation_id', 'window_key'])
      .execute();
  },

  async down(db: Kysely<unknown>) {
    for (const table of [
      'doctor_ready_leases',
      'schedule_windows',
      'consultations',
      'appointments',
      'external_users',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
