import type { Attachment, Role } from '@carechat/protocol';

/**
 * What the core needs from persistence, and no more. Two implementations share one query layer
 * (kysely-store.ts): SQLite for the embedded default, PostgreSQL for production.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  insertUser(user: UserRecord): Promise<void>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUsersByIds(ids: readonly string[]): Promise<UserRecord[]>;

  insertSession(session: SessionRecord): Promise<void>;
  findSessionById(id: string): Promise<SessionRecord | undefined>;
  findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  /** Swaps the token of a live session only if it still holds `oldHash` (refresh-token rotation). */
  rotateSessionToken(id: string, oldHash: string, newHash: string, expiresAt: string): Promise<boolean>;
  revokeSession(id: string, at: string): Promise<void>;

  findConversation(id: string): Promise<ConversationRecord | undefined>;
  /** Creates the conversation with its participants; a 1:1 pair that exists already is returned instead. */
  createConversation(
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<{ conversation: ConversationRecord; created: boolean }>;
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
  /** Unread messages per conversation for the user: after their read marker, not their own, not deleted. */
  countUnread(userId: string, conversationIds: readonly string[]): Promise<Map<string, number>>;

  /**
   * Stores a message, allocating the conversation's next seq in the same transaction. A message
   * with the same (conversation, sender, client_msg_id) already stored is returned, not duplicated.
   */
  appendMessage(input: NewMessage): Promise<AppendResult>;
  findMessage(id: string): Promise<MessageRecord | undefined>;
  findMessageByClientMsgId(
    conversationId: string,
    senderId: string,
    clientMsgId: string,
  ): Promise<MessageRecord | undefined>;
  findMessageBySeq(conversationId: string, seq: number): Promise<MessageRecord | undefined>;
  /** Oldest first, seq > afterSeq. */
  listMessagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<MessageRecord[]>;
  /** Oldest first, the `limit` messages just before beforeSeq. */
  listMessagesBefore(conversationId: string, beforeSeq: number, limit: number): Promise<MessageRecord[]>;
  /** The last message of each conversation. */
  lastMessages(conversationIds: readonly string[]): Promise<MessageRecord[]>;
  /** Moves the read marker forward only; returns the marker now stored. */
  advanceReadMarker(conversationId: string, userId: string, seq: number): Promise<number>;
  updateMessageContent(id: string, content: string, editedAt: string): Promise<void>;
  markMessageDeleted(id: string, deletedAt: string): Promise<void>;

  // Live features: delivery, edit history, reactions, participant settings, attachments, search.

  findMessages(ids: readonly string[]): Promise<MessageRecord[]>;
  /** Moves the delivery marker forward only; returns the marker now stored. */
  advanceDeliveryMarker(conversationId: string, userId: string, seq: number): Promise<number>;
  /** Unread counts for every conversation of the user, zeros included (for totals). */
  countUnreadAll(userId: string): Promise<Map<string, number>>;
  recordMessageEdit(edit: MessageEditRecord): Promise<void>;
  listMessageEdits(messageId: string): Promise<MessageEditRecord[]>;
  /** True when the reaction was new. */
  addReaction(reaction: ReactionRecord): Promise<boolean>;
  /** True when there was such a reaction. */
  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean>;
  listReactions(messageIds: readonly string[]): Promise<ReactionRecord[]>;
  updateParticipantSettings(
    conversationId: string,
    userId: string,
    settings: { muted?: boolean | undefined; pinned?: boolean | undefined },
  ): Promise<void>;
  /** Every user who shares a conversation with the user (who sees their presence). */
  listContactIds(userId: string): Promise<string[]>;
  insertAttachment(attachment: AttachmentRecord): Promise<void>;
  findAttachments(ids: readonly string[]): Promise<AttachmentRecord[]>;
  /** Binds unsent attachments to the message that carries them. */
  bindAttachments(ids: readonly string[], messageId: string): Promise<void>;
  /**
   * Full-text search over the messages of the user's conversations, newest first. `before` is
   * the (created_at, id) of the last result of the previous page.
   */
  searchMessages(
    userId: string,
    query: string,
    limit: number,
    before?: { createdAt: string; id: string },
  ): Promise<MessageRecord[]>;
  /** Optional: reports every group commit of messages (metrics). */
  observeCommits?(observer: CommitObserver): void;

  /** Throws when the database cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  createdAt: string;
}

export interface SessionRecord {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
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

export interface MessageRecord {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  content: string;
  replyTo: string | null;
  attachments: Attachment[];
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
}

export interface MessageEditRecord {
  id: string;
  messageId: string;
  editorId: string;
  kind: 'edit' | 'delete';
  previousContent: string;
  createdAt: string;
}

export interface ReactionRecord {
  messageId: string;
  userId: string;
  emoji: string;
  createdAt: string;
}

export interface AttachmentRecord {
  id: string;
  conversationId: string;
  uploaderId: string;
  name: string;
  contentType: string;
  size: number;
  storageKey: string;
  messageId: string | null;
  createdAt: string;
}

/** A stored message, and whether this append created it (false: a retry of one stored before). */
export interface AppendResult {
  message: MessageRecord;
  created: boolean;
}

export type NewMessage = Omit<MessageRecord, 'seq' | 'editedAt' | 'deletedAt'>;

/** Told about every group commit of messages (metrics). */
export type CommitObserver = (batch: { size: number; created: number; seconds: number }) => void;

/** A write refused by a uniqueness rule (duplicate email, …). */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}
