import type { CareWrites } from './care-store.js';
import type { ConversationStore } from './conversation-store.js';
import type { MessageStore } from './message-store.js';
import type { AuditRecord } from './security-store.js';
import type { UserStore } from './user-store.js';

export type { ConversationRecord, ConversationStore, ParticipantRecord } from './conversation-store.js';
export type {
  AppendResult,
  AttachmentRecord,
  CommitObserver,
  MessageEditRecord,
  MessageRecord,
  MessageStore,
  NewMessage,
  ReactionRecord,
} from './message-store.js';
export type { SessionRecord, UserRecord, UserStore } from './user-store.js';

/**
 * What the core needs from persistence, one interface per aggregate (users and sessions,
 * conversations and participants, messages), composed. Two implementations share one query layer
 * (store/*-kysely-store.ts): SQLite for the embedded default, PostgreSQL for production.
 */
export interface Store extends UserStore, ConversationStore, MessageStore {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `work` in one database transaction: everything it writes through `tx` commits together
   * or not at all (a throw rolls it back and is rethrown). Events are emitted by the caller after
   * this resolves, never inside. Message appends are not offered here: `appendMessage` carries its
   * own audit row and attachment bindings into its group commit.
   */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Throws when the database cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every aggregate, bound to one transaction (reads see its writes), plus the audit rows that go
 * with them. Not offered: what opens a transaction of its own (createConversation, appends).
 */
export interface StoreTransaction {
  users: UserStore;
  conversations: Omit<ConversationStore, 'createConversation'>;
  messages: Omit<MessageStore, 'appendMessage' | 'observeCommits'>;
  care: CareWrites;
  appendAudit(records: readonly AuditRecord[]): Promise<void>;
}

/** A write refused by a uniqueness rule (duplicate email, …). */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}
