import type { ErrorCode } from '@carechat/protocol';
import { AppointmentPolicy } from './appointment-policy.js';
import { consultationVerdict } from './consultation-rules.js';
import { appointmentVerdict, type Parties } from './parties.js';

/**
 * `consultation` (seed 003's consultation app): every conversation with a patient needs a live
 * consultation, and a practitioner without a published schedule has no hours at all. A conversation
 * opened for a consultation follows it exactly as under `appointment` (AppointmentPolicy.verdict);
 * this policy differs for conversations without that basis and for starting one.
 */
export class ConsultationPolicy extends AppointmentPolicy {
  override readonly name = 'consultation';
  protected override readonly hours = 'required' as const;

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
