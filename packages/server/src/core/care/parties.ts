import type { AppointmentStatus, ErrorCode } from '@carechat/protocol';
import type { AppointmentRecord, CareStore } from '../ports/care-store.js';
import type { UserDirectory } from '../users.js';

/** Statuses of an appointment that links a patient and a practitioner: accepted, and after it completed. */
export const LINKING_STATUSES: readonly AppointmentStatus[] = ['accepted', 'completed'];

export function isLinking(appointment: AppointmentRecord): boolean {
  return LINKING_STATUSES.includes(appointment.status);
}

/** The people of a (possible) conversation, by role. */
export interface Parties {
  patients: string[];
  practitioners: string[];
  admins: string[];
}

export async function partiesOf(users: UserDirectory, userIds: readonly string[]): Promise<Parties> {
  const parties: Parties = { patients: [], practitioners: [], admins: [] };
  for (const user of await users.getMany([...new Set(userIds)])) {
    if (user.role === 'patient') parties.patients.push(user.id);
    else if (user.role === 'practitioner') parties.practitioners.push(user.id);
    else parties.admins.push(user.id);
  }
  return parties;
}

/**
 * The shape every care rule starts from. Conversations without a patient (colleagues, staff) need
 * no care relationship; a conversation never holds two patients (one patient's care is not another
 * patient's business); a patient with support staff only (admins) is allowed. Returns `undefined`
 * when the caller must look at the patient's appointments or consultations to decide.
 */
export function shapeVerdict(parties: Parties): ErrorCode | null | undefined {
  if (parties.patients.length === 0) return null;
  if (parties.patients.length > 1) return 'no_care_relationship';
  if (parties.practitioners.length === 0) return parties.admins.length > 0 ? null : 'no_care_relationship';
  return undefined;
}

/** `appointment` rule: an accepted (or completed), not cancelled appointment links them. */
export async function appointmentVerdict(care: CareStore, parties: Parties): Promise<ErrorCode | null> {
  const shape = shapeVerdict(parties);
  if (shape !== undefined) return shape;
  const appointments = await care.listAppointmentsBetween(parties.patients, parties.practitioners);
  if (appointments.some(isLinking)) return null;
  return appointments.length > 0 ? 'appointment_not_accepted' : 'no_care_relationship';
}
