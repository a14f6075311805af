import type { ErrorCode } from '@carechat/protocol';
import type { ConsultationRecord } from '../ports/care-store.js';
import { AppointmentPolicy } from './appointment-policy.js';
import { consultationVerdict } from './consultation-rules.js';
import { appointmentVerdict, type Parties } from './parties.js';

/**
 * `consultation` (seed 003's consultation app): every conversation with a patient needs a live
 * consultation, and a practitioner without a published schedule has no hours at all. A conversation
 * opened for a consultation follows it under both policies (AppointmentPolicy.verdict); here the
 * consultation alone gives the code.
 */
export class ConsultationPolicy extends AppointmentPolicy {
  override readonly name = 'consultation';
  protected override readonly hours = 'required' as const;

  /** The consultation alone speaks: a cancelled appointment's consultation is `consultation_inactive`. */
  protected override verdictWithBasis(
    _parties: Parties,
    basis: readonly ConsultationRecord[],
    checkSchedule: boolean,
  ): Promise<ErrorCode | null> {
    return consultationVerdict(this.d.care, basis, this.d.clock.now(), checkSchedule ? this.hours : 'skip');
  }

  protected override async verdictWithoutBasis(
    parties: Parties,
    checkSchedule: boolean,
  ): Promise<ErrorCode | null> {
    const consultations = await this.d.care.listConsultationsBetween(parties.patients, parties.practitioners);
    if (consultations.length === 0) {
      // Accepting an appointment opens its consultation, so an accepted appointment without one is
      // not a live consultation either.
      return (await appointmentVerdict(this.d.care, parties)) ?? 'consultation_inactive';
    }
    return consultationVerdict(
      this.d.care,
      consultations,
      this.d.clock.now(),
      checkSchedule ? this.hours : 'skip',
    );
  }
}
