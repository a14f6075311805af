import type { ErrorCode } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import { CoreError } from '../errors.js';
import { HOLDS_INDEFINITELY, type Hold, type MessagingPolicy, type Visibility } from '../policy.js';
import type { CareStore, ConsultationRecord } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { PracticeReads } from '../ports/practice-store.js';
import type { ConversationRecord, ParticipantRecord, UserRecord } from '../ports/store.js';
import type { UserDirectory } from '../users.js';
import { consultationBasis, consultationVerdict, type HoursRule, liveUntil } from './consultation-rules.js';
import {
  appointmentHold,
  appointmentVerdict,
  isLinking,
  type Parties,
  partiesOf,
  shapeVerdict,
  vouchedBy,
} from './parties.js';

export interface CarePolicyDeps {
  care: CareStore;
  users: UserDirectory;
  clock: Clock;
  /** How long after an appointment's end the relationship it made still holds. */
  consultationWindowMs: number;
  /** Practices taking part in conversations (issue 14); without it no one holds through a practice. */
  practices?: PracticeReads;
}

/** In a care-team map, "added by" a practice rather than a person: `practice:<id>`. */
const BY_PRACTICE = 'practice:';

/**
 * `appointment` (the default, seed 000's clinic): a patient and a practitioner may talk while an
 * accepted appointment between them is ahead, or until `CONSULTATION_WINDOW_HOURS` after its end
 * (unless either side ended it early).
 *
 * Every practitioner in a conversation with a patient needs a relationship of their own with that
 * patient, or was added by a practitioner who has one (the care team: their access lasts while the
 * adder's does) or by an admin. A practitioner the patient has blocked makes any conversation with
 * that patient read-only (`blocked`) until unblocked or removed.
 *
 * Whatever the policy, a conversation opened for a consultation (its consultation basis) follows
 * that consultation: active, not expired, inside the practitioner's hours. That answer is given
 * here, once, for every door and for both ways in (conversation id or consultation id), so a send,
 * an edit and the conversation list agree (docs/decisions/1102-one-policy-answer.md, 1201).
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
    throwIf(await this.verdict(null, userIds, true, vouchedBy(actor, others, [])));
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
        await this.teamOf(conversation.id),
      ),
    );
  }

  async relationship(
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
    joining?: ReadonlyMap<string, string>,
  ): Promise<Hold> {
    const team = await this.teamOf(conversation.id);
    for (const [userId, adder] of joining ?? []) team.set(userId, adder);
    return this.verdict(
      conversation.id,
      participants.map((p) => p.userId),
      false,
      team,
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
   * The hold of a conversation among `userIds`: the shape first, then the patient's blocks, then
   * the conversation's consultation basis if it has one, else every practitioner's own
   * relationship or care-team membership (`team`: practitioner id → who added them).
   */
  protected async verdict(
    conversationId: string | null,
    userIds: readonly string[],
    checkSchedule: boolean,
    team: ReadonlyMap<string, string>,
  ): Promise<Hold> {
    const parties = await partiesOf(this.d.users, userIds);
    const shape = shapeVerdict(parties);
    if (shape !== undefined) return { code: shape, openUntil: null };
    const blocks = await this.d.care.listBlocksBy(parties.patients);
    if (blocks.some((b) => parties.practitioners.includes(b.blockedId))) {
      return { code: 'blocked', openUntil: null };
    }
    if (conversationId !== null) {
      const basis = await consultationBasis(this.d.care, conversationId, parties);
      if (basis.length > 0) return this.verdictWithBasis(parties, basis, checkSchedule);
    }
    return this.verdictWithoutBasis(parties, checkSchedule, team);
  }

  /**
   * A conversation opened for a consultation: the appointment must still hold (a cancelled one
   * says `appointment_not_accepted`, this policy's word for it), then the consultation must be
   * live and inside the practitioner's hours.
   */
  protected async verdictWithBasis(
    parties: Parties,
    basis: readonly ConsultationRecord[],
    checkSchedule: boolean,
  ): Promise<Hold> {
    const now = this.d.clock.now();
    const hold = await appointmentVerdict(this.d.care, parties, now, this.d.consultationWindowMs);
    if (hold.code !== null) return hold;
    const code = await consultationVerdict(this.d.care, basis, now, checkSchedule ? this.hours : 'skip');
    if (code !== null) return { code, openUntil: null };
    return { code: null, openUntil: earliest(hold.openUntil, liveUntil(basis, now)) };
  }

  /** A conversation (or one about to start) without a consultation basis: every practitioner holds. */
  protected verdictWithoutBasis(
    parties: Parties,
    _checkSchedule: boolean,
    team: ReadonlyMap<string, string>,
  ): Promise<Hold> {
    return this.careTeamHold(parties, team);
  }

  /** One practitioner's own relationship with the patient, by this policy's rule. */
  protected async pairHold(patientId: string, practitionerId: string): Promise<Hold> {
    const appointments = await this.d.care.listAppointmentsBetween([patientId], [practitionerId]);
    return appointmentHold(appointments, this.d.clock.now(), this.d.consultationWindowMs);
  }

  /**
   * Every practitioner holds by a relationship of their own, or by the one who added them: an
   * admin (no end), or a practitioner whose own relationship holds (until it ends). The first one
   * who does not gives the code; the conversation is open until the earliest end.
   */
  protected async careTeamHold(parties: Parties, team: ReadonlyMap<string, string>): Promise<Hold> {
    const patientId = parties.patients[0];
    if (patientId === undefined) return HOLDS_INDEFINITELY;
    const own = new Map<string, Promise<Hold>>();
    const ownHold = (practitionerId: string) => {
      let hold = own.get(practitionerId);
      if (!hold) {
        hold = this.pairHold(patientId, practitionerId);
        own.set(practitionerId, hold);
      }
      return hold;
    };
    let openUntil: string | null = null;
    for (const practitionerId of parties.practitioners) {
      let hold = await ownHold(practitionerId);
      const adder = team.get(practitionerId);
      if (hold.code !== null && adder !== undefined && adder !== practitionerId) {
        const adderRole = adder.startsWith(BY_PRACTICE) ? undefined : (await this.d.users.get(adder))?.role;
        if (adder.startsWith(BY_PRACTICE)) hold = await this.practiceHold(adder, ownHold);
        else if (adderRole === 'admin') hold = HOLDS_INDEFINITELY;
        // Held through the adder: their relationship's end is this one's (and its code).
        else if (adderRole === 'practitioner') hold = await ownHold(adder);
      }
      if (hold.code !== null) return hold;
      openUntil = earliest(openUntil, hold.openUntil);
    }
    return { code: null, openUntil };
  }

  /**
   * Who added each practitioner of a conversation (care-team rows); the members of a practice
   * taking part in it hold through the practice (`practice:<id>`) unless someone added them.
   */
  protected async teamOf(conversationId: string): Promise<Map<string, string>> {
    const rows = await this.d.care.listCareTeam(conversationId);
    const team = new Map(rows.map((r) => [r.userId, r.addedBy]));
    const practice = await this.d.practices?.findPracticeConversation(conversationId);
    if (practice && this.d.practices) {
      for (const member of await this.d.practices.listMembers([practice.practiceId])) {
        if (!team.has(member.userId)) team.set(member.userId, `${BY_PRACTICE}${practice.practiceId}`);
      }
    }
    return team;
  }

  async teamHold(patientId: string, memberIds: readonly string[]): Promise<Hold> {
    return bestHold(await Promise.all(memberIds.map((id) => this.pairHold(patientId, id))));
  }

  /** A member of a practice holds while any member's own relationship with the patient does (no chaining). */
  private async practiceHold(
    adder: string,
    ownHold: (practitionerId: string) => Promise<Hold>,
  ): Promise<Hold> {
    const practiceId = adder.slice(BY_PRACTICE.length);
    const members = (await this.d.practices?.listMembers([practiceId])) ?? [];
    return bestHold(await Promise.all(members.map((m) => ownHold(m.userId))));
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

/** The hold that lasts longest (null: no end), or the first refusal when none holds. */
function bestHold(holds: readonly Hold[]): Hold {
  let best: Hold | undefined;
  for (const hold of holds) {
    if (hold.code !== null) continue;
    if (hold.openUntil === null) return hold;
    if (!best || (best.openUntil !== null && hold.openUntil > best.openUntil)) best = hold;
  }
  return best ?? holds.find((h) => h.code !== null) ?? { code: 'no_care_relationship', openUntil: null };
}

/** The earlier of two instants, null meaning "no end". */
export function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

function throwIf(hold: Hold): void {
  const code: ErrorCode | null = hold.code;
  if (code !== null) throw new CoreError(code);
}
