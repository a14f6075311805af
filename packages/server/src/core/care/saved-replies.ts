import type { SavedReply, SavedReplyBody } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import { CoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { CareStore } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { PracticeReads } from '../ports/practice-store.js';
import type { Store } from '../ports/store.js';
import type { UserDirectory } from '../users.js';
import { isUpcoming } from './patient-context.js';
import { accessPracticeAsMember, accessPracticeConversation } from './practice-access.js';
import { toWireSavedReply } from './practice-wire.js';

export interface SavedReplyDeps {
  store: Store;
  practices: PracticeReads;
  care: CareStore;
  clock: Clock;
  users: UserDirectory;
}

/** A practice has at most this many saved replies (the composer lists them all). */
const MAX_SAVED_REPLIES = 200;

/**
 * A team's saved replies: any member writes or removes one; in a conversation they come filled in
 * for its patient (`{first_name}`, `{next_appointment}`), so the placeholders are read in one place.
 */
export class SavedReplies {
  constructor(private readonly d: SavedReplyDeps) {}

  async list(actor: Actor, practiceId: string): Promise<SavedReply[]> {
    await accessPracticeAsMember(this.d.practices, actor, practiceId);
    return (await this.d.practices.listSavedReplies(practiceId)).map(toWireSavedReply);
  }

  async create(actor: Actor, practiceId: string, body: SavedReplyBody): Promise<SavedReply> {
    await accessPracticeAsMember(this.d.practices, actor, practiceId);
    if ((await this.d.practices.listSavedReplies(practiceId)).length >= MAX_SAVED_REPLIES) {
      throw new CoreError('conflict', `A practice keeps at most ${MAX_SAVED_REPLIES} saved replies.`);
    }
    const reply = {
      id: newId('rpl'),
      practiceId,
      title: body.title,
      text: body.text,
      createdAt: this.d.clock.now().toISOString(),
    };
    await this.d.store.transaction((tx) => tx.practices.insertSavedReply(reply));
    return toWireSavedReply(reply);
  }

  async remove(actor: Actor, practiceId: string, replyId: string): Promise<void> {
    await accessPracticeAsMember(this.d.practices, actor, practiceId);
    const reply = await this.d.practices.findSavedReply(replyId);
    if (!reply || reply.practiceId !== practiceId) throw new CoreError('not_found', 'No such saved reply.');
    await this.d.store.transaction((tx) => tx.practices.deleteSavedReply(replyId));
  }

  /**
   * For the composer: the saved replies of the conversation's practice, filled in, when the actor is
   * one of its members; none otherwise (a patient, a conversation that is no practice's).
   */
  async forConversation(actor: Actor, conversationId: string): Promise<SavedReply[]> {
    const record = await this.d.practices.findPracticeConversation(conversationId);
    if (!record) return [];
    const members = await this.d.practices.listMembers([record.practiceId]);
    if (!members.some((m) => m.userId === actor.userId)) return [];
    return this.filledFor(actor, record.practiceId, conversationId);
  }

  /** The practice's saved replies with their placeholders filled in for the conversation's patient. */
  async filledFor(actor: Actor, practiceId: string, conversationId: string): Promise<SavedReply[]> {
    const { members, record } = await accessPracticeConversation(
      this.d.practices,
      actor,
      practiceId,
      conversationId,
    );
    const patient = await this.d.users.get(record.patientId);
    const firstName = patient?.name.trim().split(/\s+/)[0] ?? '';
    const now = this.d.clock.now().toISOString();
    const [next] = (
      await this.d.care.listAppointmentsBetween(
        [record.patientId],
        members.map((m) => m.userId),
      )
    )
      .filter((a) => a.status === 'accepted' && isUpcoming(a, now))
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
    const nextText = next ? await this.describe(next.startsAt, next.practitionerId) : 'not booked yet';
    return (await this.d.practices.listSavedReplies(practiceId)).map((r) =>
      toWireSavedReply({
        ...r,
        text: r.text.replaceAll('{first_name}', firstName).replaceAll('{next_appointment}', nextText),
      }),
    );
  }

  /** "Tuesday 6 January, 10:00 (Europe/Paris)": in the practitioner's time zone, where the visit happens. */
  private async describe(startsAt: string, practitionerId: string): Promise<string> {
    const [window] = await this.d.care.listScheduleWindows([practitionerId]);
    const timeZone = window?.timezone ?? 'UTC';
    const when = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(startsAt));
    return `${when} (${timeZone})`;
  }
}
