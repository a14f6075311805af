import type { Conversation, ErrorCode, Message, Participant } from '@carechat/protocol';
import type { ConversationRecord, MessageRecord, ParticipantRecord, UserRecord } from '../store/store.js';
import type { Actor } from './actor.js';
import type { PresenceStatus } from './presence.js';
import { toWireUser } from './users.js';

/** Store records to wire shapes. */

export function toWireMessage(
  record: MessageRecord,
  senderName: string,
  participants: readonly ParticipantRecord[] = [],
): Message {
  return {
    message_id: record.id,
    conversation_id: record.conversationId,
    seq: record.seq,
    sender_id: record.senderId,
    sender_name: senderName,
    content: record.deletedAt ? '' : record.content,
    client_msg_id: record.clientMsgId,
    reply_to: record.replyTo,
    attachments: record.deletedAt ? [] : record.attachments,
    timestamp: record.createdAt,
    is_edited: record.editedAt !== null,
    is_deleted: record.deletedAt !== null,
    read_by: participants
      .filter((p) => p.userId !== record.senderId && p.lastReadSeq >= record.seq)
      .map((p) => p.userId),
  };
}

export function toWireConversation(input: {
  viewer: Actor;
  conversation: ConversationRecord;
  self: ParticipantRecord;
  participants: readonly ParticipantRecord[];
  users: ReadonlyMap<string, UserRecord>;
  presence: ReadonlyMap<string, PresenceStatus>;
  lastMessage: MessageRecord | undefined;
  unreadCount: number;
  /** Why the conversation is read-only (its relationship ended), or null while it is open. */
  readOnlyReason: ErrorCode | null;
}): Conversation {
  const { viewer, conversation, self, participants, users, presence, lastMessage } = input;
  const wireParticipants: Participant[] = participants.flatMap((p) => {
    const user = users.get(p.userId);
    if (!user) return [];
    const status = presence.get(p.userId);
    return [
      {
        user: toWireUser(user, viewer),
        online: status?.online ?? false,
        last_seen_at: status?.lastSeenAt ?? null,
        last_read_seq: p.lastReadSeq,
      },
    ];
  });
  return {
    id: conversation.id,
    kind: conversation.kind,
    appointment_id: conversation.appointmentId,
    participants: wireParticipants,
    last_message: lastMessage
      ? toWireMessage(lastMessage, users.get(lastMessage.senderId)?.name ?? '', participants)
      : null,
    unread_count: input.unreadCount,
    muted: self.muted,
    pinned: self.pinned,
    last_seq: conversation.lastSeq,
    state: input.readOnlyReason === null ? 'open' : 'read_only',
    read_only_reason: input.readOnlyReason,
    created_at: conversation.createdAt,
    last_activity_at: conversation.lastActivityAt,
  };
}
