import type { AppointmentStatus, Role } from '@carechat/protocol';
import type { UserRecord } from './user-store.js';

/**
 * The appointments-and-consultations aggregate: its writes and the reads their rules make, offered
 * inside a transaction too (an appointment's move and its consultation commit together).
 */
export interface CareWrites {
  insertAppointment(appointment: AppointmentRecord): Promise<void>;
  findAppointment(id: string): Promise<AppointmentRecord | undefined>;
  /** Compare-and-set: changes the status only if it is one of `from`; returns whether it did. */
  transitionAppointment(
    id: string,
    from: readonly AppointmentStatus[],
    to: AppointmentStatus,
    at: string,
  ): Promise<boolean>;
  /** Overwrites an appointment's times and status (server API upserts). */
  updateAppointment(
    id: string,
    fields: { status: AppointmentStatus; startsAt: string; endsAt: string; updatedAt: string },
  ): Promise<void>;
  /** One consultation per appointment: an existing one is returned instead of a second. */
  insertConsultation(consultation: ConsultationRecord): Promise<ConsultationRecord>;
  findConsultationsByAppointments(appointmentIds: readonly string[]): Promise<ConsultationRecord[]>;
  updateConsultation(
    appointmentId: string,
    fields: { isActive?: boolean; expiresAt?: string; conversationId?: string },
  ): Promise<void>;
  /** Marks an appointment's hold on the relationship ended at `at` (first end wins). */
  endAppointment(id: string, at: string): Promise<void>;
  /** Records (or re-records) who added each practitioner to a conversation. */
  putCareTeamMembers(members: readonly CareTeamMemberRecord[]): Promise<void>;
  /** A host platform's change of a user's name, role or email; a taken email throws StoreConflictError. */
  updateUserProfile(id: string, fields: { name: string; role: Role; email?: string }): Promise<void>;
  /** Records a block; blocking twice keeps the first. */
  putBlock(block: BlockRecord): Promise<void>;
  /** Returns whether there was a block to lift. */
  deleteBlock(patientId: string, blockedId: string): Promise<boolean>;
}

/**
 * What the care-relationship rules need from persistence: appointments, consultations, schedules,
 * host platforms' external ids, doctor_ready leases and user search. Kept apart from `Store` so
 * that one stays about conversations and messages; the Kysely implementation
 * (care-kysely-store.ts) shares the same database connection.
 */
export interface CareStore extends CareWrites {
  // Users.
  findUserIdByExternalId(externalId: string): Promise<string | undefined>;
  /** The host's external ids of these users, for those that have one. */
  findExternalIds(userIds: readonly string[]): Promise<Map<string, string>>;
  /** Inserts the user and its external id together. */
  insertExternalUser(user: UserRecord, externalId: string): Promise<void>;
  /** Users whose name contains `query` (case-insensitive) or whose email is exactly `query`. */
  searchUsers(query: string, scope: SearchScope, limit: number): Promise<UserRecord[]>;

  // Appointments.
  findAppointmentByExternalId(externalId: string): Promise<AppointmentRecord | undefined>;
  /** Appointments the user is a party to, either side, soonest first. */
  listAppointmentsOf(userId: string, status?: AppointmentStatus): Promise<AppointmentRecord[]>;
  /** Appointments between these patients and these practitioners. */
  listAppointmentsBetween(
    patientIds: readonly string[],
    practitionerIds: readonly string[],
  ): Promise<AppointmentRecord[]>;

  // Consultations.
  findConsultation(id: string): Promise<ConsultationRecord | undefined>;
  listConsultationsOfConversation(conversationId: string): Promise<ConsultationRecord[]>;
  listConsultationsBetween(
    patientIds: readonly string[],
    practitionerIds: readonly string[],
  ): Promise<ConsultationRecord[]>;
  /** Active consultations that expire after `now`, optionally of one practitioner. */
  listLiveConsultations(now: string, practitionerId?: string): Promise<ConsultationRecord[]>;

  // Care teams and blocks.
  listCareTeam(conversationId: string): Promise<CareTeamMemberRecord[]>;
  /** The blocks these patients hold, or one patient's when one id is given. */
  listBlocksBy(patientIds: readonly string[]): Promise<BlockRecord[]>;

  // Schedules.
  listScheduleWindows(practitionerIds: readonly string[]): Promise<ScheduleWindowRecord[]>;
  /** Replaces a practitioner's whole weekly schedule in one transaction. */
  replaceSchedule(practitionerId: string, windows: readonly ScheduleWindowRecord[]): Promise<void>;

  // doctor_ready.
  /**
   * Claims the right to send one doctor_ready until `until`: true for one caller at a time across
   * all nodes. A claim that lapsed without being marked sent (its node died) may be claimed again.
   */
  claimDoctorReady(
    consultationId: string,
    windowKey: string,
    claimedBy: string,
    at: string,
    until: string,
  ): Promise<boolean>;
  /** Records that the claimed doctor_ready went out: it is never claimed again. */
  markDoctorReadySent(consultationId: string, windowKey: string, at: string): Promise<void>;
}

/** Whom a search may return: everyone, or the listed users plus everyone of the listed roles. */
export type SearchScope =
  | { everyone: true; excludeUserId: string }
  | { everyone: false; excludeUserId: string; userIds: readonly string[]; roles: readonly Role[] };

export interface AppointmentRecord {
  id: string;
  externalId: string | null;
  patientId: string;
  practitionerId: string;
  status: AppointmentStatus;
  startsAt: string;
  endsAt: string;
  createdAt: string;
  updatedAt: string;
  /** Set when either side ended this appointment's hold on the relationship early. */
  endedAt?: string | null;
}

/** A practitioner added to a conversation, and who added them (their access follows the adder's). */
export interface CareTeamMemberRecord {
  conversationId: string;
  userId: string;
  addedBy: string;
  addedAt: string;
}

/** A practitioner a patient has blocked: no new conversations, no messages, until unblocked. */
export interface BlockRecord {
  patientId: string;
  blockedId: string;
  createdAt: string;
}

export interface ConsultationRecord {
  id: string;
  appointmentId: string;
  patientId: string;
  practitionerId: string;
  conversationId: string | null;
  isActive: boolean;
  expiresAt: string;
  createdAt: string;
}

export interface ScheduleWindowRecord {
  practitionerId: string;
  dayOfWeek: number;
  /** "HH:MM". */
  start: string;
  /** "HH:MM" or "24:00", exclusive. */
  end: string;
  timezone: string;
}
