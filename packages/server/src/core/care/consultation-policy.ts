import type { Hold } from '../policy.js';
import type { ConsultationRecord } from '../ports/care-store.js';
import { AppointmentPolicy } from './appointment-policy.js';
import { consultationVerdict, liveUntil } from './consultation-rules.js';
import { appointmentHold, type Parties } from './parties.js';

/**
 * `consultation` (seed 003's consultation app): every practitioner's relationship with a patient is
 * a live consultation, and a practitioner without a published schedule has no hours at all. A
 * conversation opened for a consultation follows it under both policies (AppointmentPolicy.verdict);
 * here the consultation alone gives the code.
 */
export class ConsultationPolicy extends AppointmentPolicy {
  override readonly name = 'consultation';
  protected override readonly hours = 'required' as const;

  /** The consultation alone speaks: a cancelled appointment's consultation is `consultation_inactive`. */
  protected override async verdictWithBasis(
    _parties: Parties,
    basis: readonly ConsultationRecord[],
    checkSchedule: boolean,
  ): Promise<Hold> {
    const now = this.d.clock.now();
    const code = await consultationVerdict(this.d.care, basis, now, checkSchedule ? this.hours : 'skip');
    return { code, openUntil: code === null ? liveUntil(basis, now) : null };
  }

  /** Every practitioner holds (care team), then the live consultations' hours apply. */
  protected override async verdictWithoutBasis(
    parties: Parties,
    checkSchedule: boolean,
    team: ReadonlyMap<string, string>,
  ): Promise<Hold> {
    const hold = await this.careTeamHold(parties, team);
    if (hold.code !== null || !checkSchedule) return hold;
    const now = this.d.clock.now();
    const live = (await this.d.care.listConsultationsBetween(parties.patients, parties.practitioners)).filter(
      (c) => c.isActive && c.expiresAt > now.toISOString(),
    );
    if (live.length === 0) return hold;
    const code = await consultationVerdict(this.d.care, live, now, this.hours);
    return code === null ? hold : { code, openUntil: hold.openUntil };
  }

  /** A live consultation between them; accepting an appointment opens one, so none is no relationship. */
  protected override async pairHold(patientId: string, practitionerId: string): Promise<Hold> {
    const now = this.d.clock.now();
    const consultations = await this.d.care.listConsultationsBetween([patientId], [practitionerId]);
    if (consultations.length === 0) {
      const appointments = await this.d.care.listAppointmentsBetween([patientId], [practitionerId]);
      const hold = appointmentHold(appointments, now, this.d.consultationWindowMs);
      return { code: hold.code ?? 'consultation_inactive', openUntil: null };
    }
    const code = await consultationVerdict(this.d.care, consultations, now, 'skip');
    return { code, openUntil: code === null ? liveUntil(consultations, now) : null };
  }
}
