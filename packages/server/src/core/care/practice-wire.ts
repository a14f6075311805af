import type { Practice, SavedReply } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { PracticeMemberRecord, PracticeRecord, SavedReplyRecord } from '../ports/practice-store.js';
import type { UserRecord } from '../ports/store.js';
import { toWireUser } from '../users.js';

/** Practice records to wire shapes. */

export function toWirePractice(
  practice: PracticeRecord,
  members: readonly PracticeMemberRecord[],
  users: ReadonlyMap<string, UserRecord>,
  viewer: Pick<Actor, 'userId' | 'role'>,
): Practice {
  return {
    id: practice.id,
    name: practice.name,
    away_notice: practice.awayNotice,
    members: members.flatMap((m) => {
      const user = users.get(m.userId);
      return user ? [{ user: toWireUser(user, viewer), role: m.role, added_at: m.addedAt }] : [];
    }),
    created_at: practice.createdAt,
  };
}

export function toWireSavedReply(r: SavedReplyRecord): SavedReply {
  return { id: r.id, practice_id: r.practiceId, title: r.title, text: r.text, created_at: r.createdAt };
}
