import type { ErrorCode } from '@carechat/protocol';
import type { CareStore, ConsultationRecord } from '../ports/care-store.js';
import type { Parties } from './parties.js';
import { isWithinSchedule } from './schedule-windows.js';

/** The consultation rules (active, not expired, inside the practitioner's hours), for every policy. */

/**
 * The consultations a conversation was opened for, among its patient and practitioners: its
 * consultation basis. Empty for conversations without one (colleagues, care-team groups, a
 * conversation started before any consultation).
 */
export async function consultationBasis(
  care: CareStore,
  conversationId: string,
  parties: Parties,
): Promise<ConsultationRecord[]> {
  return (await care.listConsultationsOfConversation(conversationId)).filter(
    (c) => parties.patients.includes(c.patientId) && parties.practitioners.includes(c.practitionerId),
  );
}

/**
 * How the practitioner's weekly schedule counts: `skip` (whether the relationship holds, for the
 * conversation list), `declared` (only published hours restrict; no schedule, no restriction), or
 * `required` (no published hours means never inside them, as seed 003's `schedules.some(...)`).
 */
export type HoursRule = 'skip' | 'declared' | 'required';

/**
 * Among a conversation's consultations (newest expiry first): fine if one is live and its
 * practitioner's hours allow now; otherwise the reason the newest one fails.
 */
export async function consultationVerdict(
  care: CareStore,
  consultations: readonly ConsultationRecord[],
  now: Date,
  hours: HoursRule,
): Promise<ErrorCode | null> {
  const nowIso = now.toISOString();
  const live = consultations.filter((c) => c.isActive && c.expiresAt > nowIso);
  if (live.length === 0) {
    const newest = [...consultations].sort((a, b) => b.expiresAt.localeCompare(a.expiresAt))[0];
    return newest && !newest.isActive ? 'consultation_inactive' : 'consultation_expired';
  }
  if (hours === 'skip') return null;
  const windows = await care.listScheduleWindows([...new Set(live.map((c) => c.practitionerId))]);
  const open = live.some((c) => {
    const own = windows.filter((w) => w.practitionerId === c.practitionerId);
    if (own.length === 0 && hours === 'declared') return true;
    return isWithinSchedule(own, now);
  });
  return open ? null : 'outside_schedule';
}

/** The latest expiry among the live consultations (null when none is live). */
export function liveUntil(consultations: readonly ConsultationRecord[], now: Date): string | null {
  const nowIso = now.toISOString();
  const live = consultations.filter((c) => c.isActive && c.expiresAt > nowIso).map((c) => c.expiresAt);
  return live.sort().at(-1) ?? null;
}
