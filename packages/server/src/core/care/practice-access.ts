import type { Actor } from '../actor.js';
import { CoreError } from '../errors.js';
import type {
  PracticeConversationRecord,
  PracticeMemberRecord,
  PracticeReads,
  PracticeRecord,
} from '../ports/practice-store.js';

/**
 * The only ways to reach a practice's data: an admin manages any practice; its members reach
 * their own. A missing practice and someone else's get the same answer, so ids cannot be probed.
 */
export async function accessPracticeAsAdmin(
  practices: PracticeReads,
  actor: Actor,
  practiceId: string,
): Promise<PracticeRecord> {
  if (actor.role !== 'admin') throw new CoreError('forbidden', 'Only an administrator manages practices.');
  const practice = await practices.findPractice(practiceId);
  if (!practice) throw new CoreError('not_found', 'No such practice.');
  return practice;
}

export async function accessPracticeAsMember(
  practices: PracticeReads,
  actor: Actor,
  practiceId: string,
): Promise<{ practice: PracticeRecord; members: PracticeMemberRecord[]; self: PracticeMemberRecord }> {
  const practice = await practices.findPractice(practiceId);
  if (!practice) throw new CoreError('not_found', 'No such practice.');
  const members = await practices.listMembers([practiceId]);
  const self = members.find((m) => m.userId === actor.userId);
  if (!self) throw new CoreError('not_found', 'No such practice.');
  return { practice, members, self };
}

/** A conversation of the practice, reached by one of its members. */
export async function accessPracticeConversation(
  practices: PracticeReads,
  actor: Actor,
  practiceId: string,
  conversationId: string,
): Promise<{
  practice: PracticeRecord;
  members: PracticeMemberRecord[];
  record: PracticeConversationRecord;
}> {
  const { practice, members } = await accessPracticeAsMember(practices, actor, practiceId);
  const record = await practices.findPracticeConversation(conversationId);
  if (!record || record.practiceId !== practiceId) throw new CoreError('not_participant');
  return { practice, members, record };
}
