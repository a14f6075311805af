import type { Conversation, Message } from '@carechat/protocol';

/**
 * Seed 002's Prisma shapes: a message's `status` (SENT, DELIVERED, READ) and the
 * ConversationParticipant row (`unreadCount`, `isMuted`, `isPinned`, `leftAt`), added beside
 * carechat's own fields.
 */
export type DentistStatus = 'SENT' | 'DELIVERED' | 'READ';

/**
 * Read by someone else, delivered to someone else, or neither (in a 1:1 conversation, the other
 * side; in a group, anyone: the seed's status is one value per message).
 */
export function statusOf(message: Pick<Message, 'read_by' | 'delivered_to'>): DentistStatus {
  if (message.read_by.length > 0) return 'READ';
  if (message.delivered_to.length > 0) return 'DELIVERED';
  return 'SENT';
}

/**
 * The viewer's own participant row carries their unread count, mute and pin; the others' rows
 * leave them null (another person's settings and unread count are theirs). Present participants
 * have not left (`leftAt: null`); someone who leaves is no longer listed.
 */
export function withParticipantRows(conversation: Conversation, viewerId: string) {
  return {
    ...conversation,
    participants: conversation.participants.map((p) => {
      const own = p.user.id === viewerId;
      return {
        ...p,
        userId: p.user.id,
        conversationId: conversation.id,
        unreadCount: own ? conversation.unread_count : null,
        isMuted: own ? conversation.muted : null,
        isPinned: own ? conversation.pinned : null,
        leftAt: null,
      };
    }),
  };
}
