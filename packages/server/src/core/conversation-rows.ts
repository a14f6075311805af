import type { ConversationRecord, ParticipantRecord } from './ports/store.js';

/**
 * A participant's row as it is first written: nothing muted or pinned, and everything up to `seenSeq`
 * counted as delivered and read (someone joining later can read the history, but it is not news).
 */
export function newParticipant(
  conversationId: string,
  userId: string,
  joinedAt: string,
  seenSeq = 0,
): ParticipantRecord {
  return {
    conversationId,
    userId,
    joinedAt,
    lastReadSeq: seenSeq,
    lastDeliveredSeq: seenSeq,
    muted: false,
    pinned: false,
  };
}

/** A new conversation's row: no messages yet, active from its creation. */
export function newConversation(fields: {
  id: string;
  kind: ConversationRecord['kind'];
  directKey: string | null;
  appointmentId: string | null;
  createdBy: string;
  createdAt: string;
}): ConversationRecord {
  return { ...fields, lastSeq: 0, lastActivityAt: fields.createdAt };
}
