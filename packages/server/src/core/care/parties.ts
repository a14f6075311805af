import type { AppointmentStatus, ErrorCode } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { Hold } from '../policy.js';
import type { AppointmentRecord, CareStore } from '../ports/care-store.js';
import type { UserRecord } from '../ports/store.js';
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

/**
 * The instant an appointment stops holding the relationship: `windowMs` after its end, or when
 * either side ended it early; undefined if it never linked (requested, declined, cancelled).
 */
export function holdEnd(appointment: AppointmentRecord, windowMs: number): string | undefined {
  if (!isLinking(appointment)) return undefined;
  const windowEnd = new Date(Date.parse(appointment.endsAt) + windowMs).toISOString();
  return appointment.endedAt && appointment.endedAt < windowEnd ? appointment.endedAt : windowEnd;
}

/**
 * `appointment` rule for one patient and one practitioner: an accepted (or completed) appointment
 * holds while it is ahead, and until `windowMs` after its end, unless either side ended it early.
 * Past that the relationship has ended: `consultation_expired` (its window passed) or
 * `consultation_inactive` (ended early).
 */
export function appointmentHold(
  appointments: readonly AppointmentRecord[],
  now: Date,
  windowMs: number,
): Hold {
  const nowIso = now.toISOString();
  const ends = appointments
    .map((a) => ({ a, end: holdEnd(a, windowMs) }))
    .filter((x): x is { a: AppointmentRecord; end: string } => x.end !== undefined);
  const holding = ends.filter((x) => x.end > nowIso);
  if (holding.length > 0) {
    return {
      code: null,
      openUntil:
        holding
          .map((x) => x.end)
          .sort()
          .at(-1) ?? null,
    };
  }
  if (appointments.length === 0) return { code: 'no_care_relationship', openUntil: null };
  const newest = ends.sort((x, y) => y.end.localeCompare(x.end))[0];
  if (!newest) return { code: 'appointment_not_accepted', openUntil: null };
  const endedEarly = newest.a.endedAt != null && newest.a.endedAt === newest.end;
  return { code: endedEarly ? 'consultation_inactive' : 'consultation_expired', openUntil: null };
}

/** `appointment` rule over a conversation's parties: their patient and each practitioner (shape first). */
export async function appointmentVerdict(
  care: CareStore,
  parties: Parties,
  now: Date,
  windowMs: number,
): Promise<Hold> {
  const shape = shapeVerdict(parties);
  if (shape !== undefined) return { code: shape, openUntil: null };
  const appointments = await care.listAppointmentsBetween(parties.patients, parties.practitioners);
  return appointmentHold(appointments, now, windowMs);
}

/**
 * Who vouches for whom as people join a conversation (its care team): the staff member who brings
 * them in vouches for every practitioner joining and, when a patient joins, for the practitioners
 * already there (bringing a patient to colleagues is their decision, not the colleagues'). Nothing
 * is recorded while no patient takes part, and patients vouch for nobody: each practitioner a
 * patient invites needs a relationship of their own.
 */
export function vouchedBy(
  actor: Actor,
  joining: readonly UserRecord[],
  present: readonly UserRecord[],
): Map<string, string> {
  if (actor.role === 'patient') return new Map();
  if (![...present, ...joining].some((u) => u.role === 'patient')) return new Map();
  const patientJoins = joining.some((u) => u.role === 'patient');
  const vouched = [...joining, ...(patientJoins ? present : [])].filter(
    (u) => u.role === 'practitioner' && u.id !== actor.userId,
  );
  return new Map(vouched.map((u) => [u.id, actor.userId]));
}
