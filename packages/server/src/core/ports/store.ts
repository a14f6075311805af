import type { CareWrites } from './care-store.js';
import type { ConversationStore, ConversationWrites } from './conversation-store.js';
import type { MessageStore, MessageWrites } from './message-store.js';
import type { PracticeStore } from './practice-store.js';
import type { AuditRecord } from './security-store.js';
import type { UserStore } from './user-store.js';

export type {
  ConversationRecord,
  ConversationStore,
  ConversationWrites,
  ParticipantRecord,
} from './conversation-store.js';
export type {
  AppendResult,
  AttachmentRecord,
  CommitObserver,
  MessageEditRecord,
  MessageRecord,
  MessageStore,
  MessageWrites,
  NewMessage,
  ReactionRecord,
} from './message-store.js';
export type { UserRecord, UserStore } from './user-store.js';

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
 * Every aggregate, bound to one transaction (reads see its writes), with the writes only an
 * action's transaction makes, plus the audit rows that go with them. Not offered: appends (they
 * have their own transactions, see MessageStore.appendMessage).
 */
export interface StoreTransaction {
  users: UserStore;
  conversations: ConversationStore & ConversationWrites;
  messages: Omit<MessageStore, 'appendMessage' | 'observeCommits'> & MessageWrites;
  care: CareWrites;
  practices: PracticeStore;
  appendAudit(records: readonly AuditRecord[]): Promise<void>;
}

/** A write refused by a uniqueness rule (duplicate email, …). */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}
