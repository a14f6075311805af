import type { Selectable } from 'kysely';
import type { MessageRecord } from '../core/ports/store.js';
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
