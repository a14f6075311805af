/**
 * The conversations-and-participants aggregate, as the store offers it outside a transaction:
 * reads, and the writes that are one statement on one participant's own row.
 */
export interface ConversationStore {
  findConversation(id: string): Promise<ConversationRecord | undefined>;
  findConversationByDirectKey(directKey: string): Promise<ConversationRecord | undefined>;
  findParticipant(conversationId: string, userId: string): Promise<ParticipantRecord | undefined>;
  listParticipants(conversationIds: readonly string[]): Promise<ParticipantRecord[]>;
  /**
   * Optional: a conversation and its participants (ordered as listParticipants) in one query, for
   * the access check every action makes; one round trip instead of two on PostgreSQL.
   */
  findConversationWithParticipants?(
    id: string,
  ): Promise<{ conversation: ConversationRecord; participants: ParticipantRecord[] } | undefined>;
  /** The user's conversations with their own participant row, newest activity first. */
  listConversationsOfUser(
    userId: string,
  ): Promise<Array<{ conversation: ConversationRecord; self: ParticipantRecord }>>;
  /**
   * Where each of the user's conversations ends (its last seq), and nothing else: what every new
   * live connection reads (positions), so it is kept as small as a read of them can be.
   */
  listConversationEnds(userId: string): Promise<Map<string, number>>;
  /** Unread messages per conversation for the user: after their read marker, not their own, not deleted. */
  countUnread(userId: string, conversationIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Every conversation of the user with its unread count (as countUnread) and whether they muted
   * it: one read, for the unread badge that every read receipt updates.
   */
  listUnreadOfUser(userId: string): Promise<UnreadRow[]>;
  /**
   * For each user, every user who shares a conversation with them (who sees their presence); a
   * user with none has an empty list. One read for many: a reconnect burst announces thousands.
   */
  listContactIds(userIds: readonly string[]): Promise<Map<string, string[]>>;

  updateParticipantSettings(
    conversationId: string,
    userId: string,
    settings: { muted?: boolean | undefined; pinned?: boolean | undefined },
  ): Promise<void>;
  /**
   * Moves the read marker forward only, and never past the conversation's last seq as the write
   * sees it; returns the marker now stored.
   */
  advanceReadMarker(conversationId: string, userId: string, seq: number): Promise<number>;
  /** As advanceReadMarker, for the delivery marker. */
  advanceDeliveryMarker(conversationId: string, userId: string, seq: number): Promise<number>;
  /** The last seq a session's per-conversation socket is known to hold, if one was recorded. */
  findDeliveryCursor(sessionId: string, conversationId: string): Promise<number | undefined>;
  /** Records it, forward only (a lower seq changes nothing). */
  saveDeliveryCursor(sessionId: string, conversationId: string, seq: number, at: string): Promise<void>;
  /** Drops a conversation's cursors last saved before `before` (their sessions have ended). */
  deleteDeliveryCursorsBefore(conversationId: string, before: string): Promise<void>;
}

/** The aggregate's writes that an action makes inside a transaction (Store.transaction). */
export interface ConversationWrites {
  /**
   * Creates the conversation with its participants. A 1:1 pair that exists already throws
   * StoreConflictError, and the transaction is rolled back.
   */
  insertConversation(
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<void>;
  /** Adds participants; users already in the conversation are left as they are. Returns the added ids. */
  addParticipants(participants: readonly ParticipantRecord[]): Promise<string[]>;
  /** Removes a participant at once: every access check reads this table. */
  removeParticipant(conversationId: string, userId: string): Promise<boolean>;
}

export interface ConversationRecord {
  id: string;
  kind: 'direct' | 'group';
  directKey: string | null;
  appointmentId: string | null;
  createdBy: string;
  createdAt: string;
  lastSeq: number;
  lastActivityAt: string;
}

export interface ParticipantRecord {
  conversationId: string;
  userId: string;
  joinedAt: string;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  muted: boolean;
  pinned: boolean;
}

/** A conversation's unread count for one participant (listUnreadOfUser). */
export interface UnreadRow {
  conversationId: string;
  unreadCount: number;
  muted: boolean;
}
