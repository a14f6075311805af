import type { ReplyExpectation } from '@carechat/protocol';
import { accessConversation } from '../access.js';
import type { Actor } from '../actor.js';
import type { CareStore } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { PracticeReads } from '../ports/practice-store.js';
import type { Store } from '../ports/store.js';
import type { UserDirectory } from '../users.js';
import { isWithinSchedule, nextOpening } from './schedule-windows.js';
import { WAITING_LOOKBACK, waitingOf } from './waiting.js';

export interface ReplyExpectationDeps {
  store: Store;
  care: CareStore;
  practices: PracticeReads;
  users: UserDirectory;
  clock: Clock;
}

/**
 * When a patient can expect a reply. A patient who wrote while none of the conversation's
 * practitioners was working (by their published schedules) is told when the next one starts and
 * the practice's away notice. It is a state of the conversation for that absence, derived from the
 * patient's latest unanswered message: writing again in the same absence changes nothing, a reply
 * or the next opening ends it, and writing in a new absence brings it back (docs/decisions/1402).
 */
export class ReplyExpectations {
  constructor(private readonly d: ReplyExpectationDeps) {}

  async of(actor: Actor, conversationId: string): Promise<ReplyExpectation> {
    const { conversation, participants } = await accessConversation(this.d.store, actor, conversationId);
    const none: ReplyExpectation = {
      conversation_id: conversationId,
      outside_hours: false,
      next_opening: null,
      notice: null,
    };
    const people = await this.d.users.getMany(participants.map((p) => p.userId));
    const patient = people.find((u) => u.role === 'patient');
    const staff = people.filter((u) => u.role === 'practitioner').map((u) => u.id);
    if (!patient || staff.length === 0) return none;

    const recent = await this.d.store.listMessagesBefore(
      conversationId,
      conversation.lastSeq + 1,
      WAITING_LOOKBACK,
    );
    const { lastAt } = waitingOf(
      [...recent].sort((a, b) => a.seq - b.seq),
      patient.id,
    );
    // Only published hours say when someone works: a team without a schedule keeps no hours.
    const windows = await this.d.care.listScheduleWindows(staff);
    if (lastAt === null || windows.length === 0) return none;
    const wroteAt = new Date(lastAt);
    if (isWithinSchedule(windows, wroteAt)) return none;
    const opening = nextOpening(windows, wroteAt);
    // The absence the patient wrote in is over: someone is (or was) working since.
    if (opening !== null && opening <= this.d.clock.now()) return none;
    return {
      conversation_id: conversationId,
      outside_hours: true,
      next_opening: opening?.toISOString() ?? null,
      notice: await this.noticeFor(conversationId, staff),
    };
  }

  /** The practice's away notice; in a conversation that is no practice's, that of a practitioner's practice. */
  private async noticeFor(conversationId: string, staff: readonly string[]): Promise<string | null> {
    const own = await this.d.practices.findPracticeConversation(conversationId);
    const practiceIds = own
      ? [own.practiceId]
      : (await Promise.all(staff.map((id) => this.d.practices.listMembershipsOf(id))))
          .flat()
          .map((m) => m.practiceId);
    for (const id of practiceIds) {
      const notice = (await this.d.practices.findPractice(id))?.awayNotice;
      if (notice) return notice;
    }
    return null;
  }
}
