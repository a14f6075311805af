import type { Selectable } from 'kysely';
import type { MessageRecord, NewMessage } from '../core/ports/message-store.js';
import type { MessagesTable } from './schema.js';

/** A `messages` row as the core sees it: the one mapping every writer and reader uses. */
export function toMessageRecord(row: Selectable<MessagesTable>): MessageRecord {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    clientMsgId: row.client_msg_id,
    content: row.content,
    replyTo: row.reply_to,
    attachments: JSON.parse(row.attachments) as MessageRecord['attachments'],
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
  };
}

/** A new message as its `messages` row, once its seq is known. */
export function toMessageRow(m: NewMessage, seq: number): Selectable<MessagesTable> {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    seq,
    sender_id: m.senderId,
    client_msg_id: m.clientMsgId,
    content: m.content,
    reply_to: m.replyTo,
    attachments: JSON.stringify(m.attachments),
    created_at: m.createdAt,
    edited_at: null,
    deleted_at: null,
  };
}

/** The idempotency key of an append: (conversation, sender, client_msg_id). */
export function idempotencyKey(m: { conversationId: string; senderId: string; clientMsgId: string }): string {
  return `${m.conversationId}\u0000${m.senderId}\u0000${m.clientMsgId}`;
}
