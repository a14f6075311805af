import type { AccountStatus, Role } from '@carechat/protocol';
import type { Selectable } from 'kysely';
import type { ConversationRecord, ParticipantRecord } from '../core/ports/conversation-store.js';
import type { UserRecord } from '../core/ports/user-store.js';
import type { Database } from './schema.js';

/** Rows as the core sees them (users, sessions, conversations, participants); messages: message-row.ts. */
type Row<T extends keyof Database> = Selectable<Database[T]>;

/**
 * A participant's columns, aliased `p`, for queries that join participants with conversations
 * (whose `selectAll('c')` would otherwise shadow them). One list, so a new column is added once.
 */
export const PARTICIPANT_COLUMNS = [
  'p.conversation_id',
  'p.user_id',
  'p.joined_at',
  'p.last_read_seq',
  'p.last_delivered_seq',
  'p.muted',
  'p.pinned',
] as const;

export function toUser(row: Row<'users'>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    status: row.status as AccountStatus,
  };
}

export function toConversation(row: Row<'conversations'>): ConversationRecord {
  return {
    id: row.id,
    kind: row.kind === 'group' ? 'group' : 'direct',
    directKey: row.direct_key,
    appointmentId: row.appointment_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastSeq: Number(row.last_seq),
    lastActivityAt: row.last_activity_at,
  };
}

export function toParticipant(row: Row<'participants'>): ParticipantRecord {
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    joinedAt: row.joined_at,
    lastReadSeq: Number(row.last_read_seq),
    lastDeliveredSeq: Number(row.last_delivered_seq),
    muted: Number(row.muted) === 1,
    pinned: Number(row.pinned) === 1,
  };
}
