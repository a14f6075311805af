import type { PatientContext } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { ConversationService } from '../conversations.js';
import { CoreError } from '../errors.js';
import type { AppointmentRecord, CareStore } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { PracticeReads } from '../ports/practice-store.js';
import { toWireUser, type UserDirectory } from '../users.js';
import type { AppointmentService } from './appointments.js';
import { accessPracticeConversation } from './practice-access.js';

export interface PatientContextDeps {
  practices: PracticeReads;
  care: CareStore;
  clock: Clock;
  users: UserDirectory;
  conversations: ConversationService;
  appointments: AppointmentService;
}

/** How many past appointments the panel shows. */
const PAST_SHOWN = 10;

/**
 * What staff see beside a practice conversation: the relationship (the policy's answer, as the
 * conversation carries it) and the patient's appointments with the team's members.
 */
export class PatientContextService {
  constructor(private readonly d: PatientContextDeps) {}

  async of(actor: Actor, practiceId: string, conversationId: string): Promise<PatientContext> {
    const { members, record } = await accessPracticeConversation(
      this.d.practices,
      actor,
      practiceId,
      conversationId,
    );
    const conversation = await this.d.conversations.get(actor, conversationId);
    const patient = await this.d.users.get(record.patientId);
    if (!patient) throw new CoreError('not_participant');
    const appointments = await this.d.care.listAppointmentsBetween(
      [record.patientId],
      members.map((m) => m.userId),
    );
    const now = this.d.clock.now().toISOString();
    const upcoming = appointments
      .filter((a) => isUpcoming(a, now))
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
    const past = appointments
      .filter((a) => !isUpcoming(a, now))
      .sort((a, b) => b.startsAt.localeCompare(a.startsAt))
      .slice(0, PAST_SHOWN);
    return {
      conversation_id: conversationId,
      patient: toWireUser(patient, actor),
      relationship: {
        state: conversation.state,
        read_only_reason: conversation.read_only_reason,
        open_until: conversation.open_until,
      },
      upcoming: await this.d.appointments.renderMany(upcoming, actor),
      past: await this.d.appointments.renderMany(past, actor),
    };
  }
}

/** Requested or accepted, not ended early, and not over yet. */
export function isUpcoming(a: AppointmentRecord, now: string): boolean {
  return (a.status === 'requested' || a.status === 'accepted') && !a.endedAt && a.endsAt > now;
}
