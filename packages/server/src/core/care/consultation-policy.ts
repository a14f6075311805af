import type { ErrorCode } from '@carechat/protocol';
import type { CareStore, ConsultationRecord } from '../ports/care-store.js';
import { AppointmentPolicy } from './appointment-policy.js';
import { appointmentVerdict, type Parties, partiesOf, shapeVerdict } from './parties.js';
import { isWithinSchedule } from './schedule.js';

/**
 * `consultation` (seed 003's consultation app): the conversation's consultation must exist, be
 * active, not be expired, and now must fall inside the practitioner's weekly schedule. Each
 * failure has its own code.
 */
export class ConsultationPolicy extends AppointmentPolicy {
  override readonly name = 'consultation';

  protected override async verdict(
    conversationId: string | null,
    userIds: readonly string[],
    checkSchedule: boolean,
  ): Promise<ErrorCode | null> {
    const parties = await partiesOf(this.d.users, userIds);
    const shape = shapeVerdict(parties);
    if (shape !== undefined) return shape;
    const consultations = await consultationsFor(this.d.care, conversationId, parties);
    if (consultations.length === 0) {
      // Accepting an appointment opens its consultation, so an accepted appointment without one is
      // not a live consultation either.
      return (await appointmentVerdict(this.d.care, parties)) ?? 'consultation_inactive';
    }
    return consultationVerdict(this.d.care, consultations, this.d.clock.now(), checkSchedule);
  }
}

/**
 * The consultations behind a conversation: those opened for it, or else those between its patient
 * and practitioners (a care-team group, or a conversation started before the consultation).
 */
export async function consultationsFor(
  care: CareStore,
  conversationId: string | null,
  parties: Parties,
): Promise<ConsultationRecord[]> {
  const inParty = (c: ConsultationRecord) =>
    parties.patients.includes(c.patientId) && parties.practitioners.includes(c.practitionerId);
  if (conversationId !== null) {
    const linked = (await care.listConsultationsOfConversation(conversationId)).filter(inParty);
    if (linked.length > 0) return linked;
  }
  return care.listConsultationsBetween(parties.patients, parties.practitioners);
}

/**
 * Among a conversation's consultations (newest expiry first): fine if one is live and, when asked,
 * its practitioner's schedule is open now; otherwise the reason the newest one fails.
 */
export async function consultationVerdict(
  care: CareStore,
  consultations: readonly ConsultationRecord[],
  now: Date,
  checkSchedule: boolean,
): Promise<ErrorCode | null> {
  const nowIso = now.toISOString();
  const live = consultations.filter((c) => c.isActive && c.expiresAt > nowIso);
  if (live.length === 0) {
    const newest = [...consultations].sort((a, b) => b.expiresAt.localeCompare(a.expiresAt))[0];
    return newest && !newest.isActive ? 'consultation_inactive' : 'consultation_expired';
  }
  if (!checkSchedule) return null;
  const windows = await care.listScheduleWindows([...new Set(live.map((c) => c.practitionerId))]);
  const open = live.some((c) =>
    isWithinSchedule(
      windows.filter((w) => w.practitionerId === c.practitionerId),
      now,
    ),
  );
  return open ? null : 'outside_schedule';
}
