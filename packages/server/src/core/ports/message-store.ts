import type { Attachment } from '@carechat/protocol';
import type { AuditRecord } from './security-store.js';

/** The messages aggregate's writes that an action makes inside a transaction (Store.transaction). */
export interface MessageWrites {
  recordMessageEdit(edit: MessageEditRecord): Promise<void>;
  updateMessageContent(id: string, content: string, editedAt: string): Promise<void>;
  markMessageDeleted(id: string, deletedAt: string): Promise<void>;
  /** Marks the attachments of a message deleted; returns their storage keys (to remove after the commit). */
  markAttachmentsDeleted(messageId: string, deletedAt: string): Promise<string[]>;
  insertAttachment(attachment: AttachmentRecord): Promise<void>;
}

/**
 * The messages aggregate (edit history, reactions, attachments), as the store offers it outside a
 * transaction: reads, appends (their own transactions), and a user's own reactions (one statement).
 */
export interface MessageStore {
  /** True when the reaction was new. */
  addReaction(reaction: ReactionRecord): Promise<boolean>;
  /** True when there was such a reaction. */
  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean>;
  /**
   * Stores a message in its own transaction, allocating the conversation's next seq, binding its
   * attachments and writing its audit row: all of it commits, or none. A message with the same
   * (conversation, sender, client_msg_id) already stored is returned, not duplicated (and
   * nothing else is written). Concurrent appends share one commit (group commit), which is why
   * appends are not offered inside `Store.transaction`.
   */
  appendMessage(input: NewMessage): Promise<AppendResult>;
  findMessage(id: string): Promise<MessageRecord | undefined>;
  findMessages(ids: readonly string[]): Promise<MessageRecord[]>;
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
  listMessageEdits(messageId: string): Promise<MessageEditRecord[]>;
  listReactions(messageIds: readonly string[]): Promise<ReactionRecord[]>;
  findAttachments(ids: readonly string[]): Promise<AttachmentRecord[]>;
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

/**
 * A message to append. Its attachments (the sender's unsent uploads to the conversation) are bound
 * to it, and `audit` is written, in the transaction that stores it; if either fails, nothing is.
 */
export interface NewMessage extends Omit<MessageRecord, 'seq' | 'editedAt' | 'deletedAt'> {
  audit?: AuditRecord | undefined;
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
  /** Set when its message was deleted (absent on a new upload). */
  deletedAt?: string | null;
}

/** A stored message, and whether this append created it (false: a retry of one stored before). */
export interface AppendResult {
  message: MessageRecord;
  created: boolean;
}

/**
 * An append refused in its own transaction: its sender is not (or no longer) a participant of the
 * conversation, or there is no such conversation. The append re-checks what the send path read
 * before it (possibly from a cache), so a removal that commits meanwhile still wins.
 */
export class AppendRefusedError extends Error {
  override name = 'AppendRefusedError';
  constructor() {
    super('the sender is not a participant of this conversation');
  }
}

/** Told about every group commit of messages (metrics). */
export type CommitObserver = (batch: { size: number; created: number; seconds: number }) => void;
