import type {
  Conversation,
  ErrorCode,
  Message,
  Participant,
  ReactionSummary,
  ReplyPreview,
} from '@carechat/protocol';
import { deletedMessageFields, receiptStatus, replySnippet } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type {
  ConversationRecord,
  MessageRecord,
  ParticipantRecord,
  ReactionRecord,
  UserRecord,
} from './ports/store.js';
import type { PresenceStatus } from './presence.js';
import { toWireUser } from './users.js';

/** Store records to wire shapes. */

export interface MessageContext {
  senderName: string;
  participants: readonly ParticipantRecord[];
  replyPreview: ReplyPreview | null;
  reactions: ReactionSummary[];
}

export function toWireMessage(record: MessageRecord, context: MessageContext): Message {
  const others = context.participants.filter((p) => p.userId !== record.senderId);
  return {
    message_id: record.id,
    conversation_id: record.conversationId,
    seq: record.seq,
    sender_id: record.senderId,
    sender_name: context.senderName,
    content: record.content,
    client_msg_id: record.clientMsgId,
    reply_to: record.replyTo,
    reply_preview: context.replyPreview,
    attachments: record.attachments,
    timestamp: record.createdAt,
    is_edited: record.editedAt !== null,
    is_deleted: false,
    // Read implies delivered: receiptStatus (@carechat/protocol) is the one rule.
    delivered_to: others
      .filter((p) => receiptStatus(p.lastDeliveredSeq, p.lastReadSeq, record.seq) !== 'sent')
      .map((p) => p.userId),
    read_by: others
      .filter((p) => receiptStatus(p.lastDeliveredSeq, p.lastReadSeq, record.seq) === 'read')
      .map((p) => p.userId),
    reactions: context.reactions,
    // A deleted message keeps its place, not what it said: deletedMessageFields (@carechat/protocol).
    ...(record.deletedAt !== null ? deletedMessageFields() : {}),
  };
}

export function toReplyPreview(target: MessageRecord, senderName: string): ReplyPreview {
  const deleted = target.deletedAt !== null;
  return {
    message_id: target.id,
    seq: target.seq,
    sender_id: target.senderId,
    sender_name: senderName,
    snippet: replySnippet(target.content, deleted),
    is_deleted: deleted,
  };
}

/** Reactions grouped by emoji in first-reacted order, with whether the viewer is among them. */
export function summarizeReactions(
  reactions: readonly ReactionRecord[],
  viewerId: string,
): ReactionSummary[] {
  const byEmoji = new Map<string, ReactionSummary>();
  for (const r of reactions) {
    const summary = byEmoji.get(r.emoji) ?? { emoji: r.emoji, count: 0, mine: false };
    summary.count += 1;
    summary.mine ||= r.userId === viewerId;
    byEmoji.set(r.emoji, summary);
  }
  return [...byEmoji.values()];
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
  /** When the relationship ends unless something changes (null: no end in sight, or ended). */
  openUntil: string | null;
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
        last_delivered_seq: p.lastDeliveredSeq,
      },
    ];
  });
  return {
    id: conversation.id,
    kind: conversation.kind,
    appointment_id: conversation.appointmentId,
    participants: wireParticipants,
    last_message: lastMessage
      ? toWireMessage(lastMessage, {
          senderName: users.get(lastMessage.senderId)?.name ?? '',
          participants,
          replyPreview: null,
          reactions: [],
        })
      : null,
    unread_count: input.unreadCount,
    muted: self.muted,
    pinned: self.pinned,
    last_seq: conversation.lastSeq,
    state: input.readOnlyReason === null ? 'open' : 'read_only',
    read_only_reason: input.readOnlyReason,
    open_until: input.readOnlyReason === null ? input.openUntil : null,
    created_at: conversation.createdAt,
    last_activity_at: conversation.lastActivityAt,
  };
}
