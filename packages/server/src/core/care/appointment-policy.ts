import type { ErrorCode } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import { CoreError } from '../errors.js';
import type { MessagingPolicy, Visibility } from '../policy.js';
import type { CareStore, ConsultationRecord } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { ConversationRecord, ParticipantRecord, UserRecord } from '../ports/store.js';
import type { UserDirectory } from '../users.js';
import { consultationBasis, consultationVerdict, type HoursRule } from './consultation-rules.js';
import { appointmentVerdict, isLinking, type Parties, partiesOf, shapeVerdict } from './parties.js';

export interface CarePolicyDeps {
  care: CareStore;
  users: UserDirectory;
  clock: Clock;
}

/**
 * `appointment` (the default, seed 000's clinic): a patient and a practitioner may start a
 * conversation while an accepted, not cancelled appointment links them.
 *
 * Whatever the policy, a conversation opened for a consultation (its consultation basis) follows
 * that consultation: active, not expired, inside the practitioner's hours. That answer is given
 * here, once, for every door and for both ways in (conversation id or consultation id), so a send,
 * an edit and the conversation list agree (docs/decisions/1102-one-policy-answer.md).
 */
export class AppointmentPolicy implements MessagingPolicy {
  readonly name: string = 'appointment';
  /** Under `appointment`, only published hours restrict: a practitioner without a schedule keeps none. */
  protected readonly hours: HoursRule = 'declared';

  constructor(protected readonly d: CarePolicyDeps) {}

  async checkStart(actor: Actor, others: readonly UserRecord[], appointmentId: string | null): Promise<void> {
    if (actor.role === 'admin') return;
    const userIds = [actor.userId, ...others.map((o) => o.id)];
    if (appointmentId !== null) await this.checkNamedAppointment(appointmentId, userIds);
    throwIf(await this.verdict(null, userIds, true));
  }

  async checkSend(
    actor: Actor,
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<void> {
    if (actor.role === 'admin') return;
    throwIf(
      await this.verdict(
        conversation.id,
        participants.map((p) => p.userId),
        true,
      ),
    );
  }

  relationship(
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<ErrorCode | null> {
    return this.verdict(
      conversation.id,
      participants.map((p) => p.userId),
      false,
    );
  }

  /**
   * Admins find everyone. Others find the people their accepted appointments link them to, plus
   * practitioners (a clinic's practitioners are public, so patients can book them; practitioners
   * can find colleagues for care teams). Patients never find other patients.
   */
  async visibility(actor: Actor): Promise<Visibility> {
    if (actor.role === 'admin') return { everyone: true };
    const linked = (await this.d.care.listAppointmentsOf(actor.userId))
      .filter(isLinking)
      .map((a) => (a.patientId === actor.userId ? a.practitionerId : a.patientId));
    return {
      everyone: false,
      userIds: [...new Set(linked)],
      roles: actor.role === 'practitioner' ? ['practitioner', 'admin'] : ['practitioner'],
    };
  }

  /**
   * The code a conversation among `userIds` gets, or null when allowed: the shape first, then the
   * conversation's consultation basis if it has one, else the policy's rule for the rest.
   */
  protected async verdict(
    conversationId: string | null,
    userIds: readonly string[],
    checkSchedule: boolean,
  ): Promise<ErrorCode | null> {
    const parties = await partiesOf(this.d.users, userIds);
    const shape = shapeVerdict(parties);
    if (shape !== undefined) return shape;
    if (conversationId !== null) {
      const basis = await consultationBasis(this.d.care, conversationId, parties);
      if (basis.length > 0) return this.verdictWithBasis(parties, basis, checkSchedule);
    }
    return this.verdictWithoutBasis(parties, checkSchedule);
  }

  /**
   * A conversation opened for a consultation: the appointment must still link them (a cancelled
   * one says `appointment_not_accepted`, this policy's word for it), then the consultation must be
   * live and inside the practitioner's hours.
   */
  protected async verdictWithBasis(
    parties: Parties,
    basis: readonly ConsultationRecord[],
    checkSchedule: boolean,
  ): Promise<ErrorCode | null> {
    return (
      (await appointmentVerdict(this.d.care, parties)) ??
      consultationVerdict(this.d.care, basis, this.d.clock.now(), checkSchedule ? this.hours : 'skip')
    );
  }

  /** A conversation (or one about to start) without a consultation basis: an accepted appointment. */
  protected verdictWithoutBasis(parties: Parties, _checkSchedule: boolean): Promise<ErrorCode | null> {
    return appointmentVerdict(this.d.care, parties);
  }

  /** A conversation opened "for" an appointment must be between that appointment's two people. */
  private async checkNamedAppointment(appointmentId: string, userIds: readonly string[]): Promise<void> {
    const appointment = await this.d.care.findAppointment(appointmentId);
    if (
      !appointment ||
      !userIds.includes(appointment.patientId) ||
      !userIds.includes(appointment.practitionerId)
    ) {
      throw new CoreError('no_care_relationship', 'appointment_id does not link these participants.');
    }
    if (!isLinking(appointment)) throw new CoreError('appointment_not_accepted');
  }
}

function throwIf(code: ErrorCode | null): void {
  if (code !== null) throw new CoreError(code);
}
