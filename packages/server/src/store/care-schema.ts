/**
 * The care tables as Kysely sees them (migration 0002). Kept apart from schema.ts so the core
 * store stays focused; the care store adds them to the shared Kysely instance with `withTables`.
 * Same conventions: ISO 8601 UTC text timestamps, 0/1 integer booleans.
 */
export type CareDatabase = {
  external_users: ExternalUsersTable;
  appointments: AppointmentsTable;
  consultations: ConsultationsTable;
  schedule_windows: ScheduleWindowsTable;
  doctor_ready_leases: DoctorReadyLeasesTable;
  care_team_members: CareTeamMembersTable;
  blocks: BlocksTable;
};

/** A host platform's id for one of our users (server API). */
export interface ExternalUsersTable {
  external_id: string;
  user_id: string;
  created_at: string;
}

export interface AppointmentsTable {
  id: string;
  /** The host platform's id, when the appointment came through the server API. */
  external_id: string | null;
  patient_id: string;
  practitioner_id: string;
  status: string;
  starts_at: string;
  ends_at: string;
  created_at: string;
  updated_at: string;
  /** When either side ended the appointment's hold on the relationship early (migration 0005). */
  ended_at: string | null;
}

export interface ConsultationsTable {
  id: string;
  /** Unique: one consultation per appointment. */
  appointment_id: string;
  patient_id: string;
  practitioner_id: string;
  conversation_id: string | null;
  is_active: number;
  expires_at: string;
  created_at: string;
}

export interface ScheduleWindowsTable {
  practitioner_id: string;
  day_of_week: number;
  /** "HH:MM" local time in `timezone`. */
  start_time: string;
  /** "HH:MM" (or "24:00"), exclusive. */
  end_time: string;
  timezone: string;
}

/**
 * One row per (consultation, schedule window occurrence) whose doctor_ready was sent: the primary
 * key makes the claim exactly-once across nodes.
 */
export interface DoctorReadyLeasesTable {
  consultation_id: string;
  /** The window occurrence in the practitioner's local time, e.g. `2026-01-05T09:00/Europe/Paris`. */
  window_key: string;
  claimed_by: string;
  claimed_at: string;
  /** The claim holds until then; an unsent lease past it may be claimed again (migration 0013). */
  claimed_until: string | null;
  /** When the claiming node published the event; null while it has not (yet). */
  sent_at: string | null;
}

/** A practitioner added to a patient's conversation, and by whom (migration 0005). */
export interface CareTeamMembersTable {
  conversation_id: string;
  user_id: string;
  added_by: string;
  added_at: string;
}

/** A practitioner a patient has blocked (migration 0005). */
export interface BlocksTable {
  patient_id: string;
  blocked_id: string;
  created_at: string;
}
