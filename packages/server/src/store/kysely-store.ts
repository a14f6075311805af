import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import type { ConversationStore } from '../core/ports/conversation-store.js';
import {
  AppendRefusedError,
  type AppendResult,
  type CommitObserver,
  type MessageStore,
  type NewMessage,
} from '../core/ports/message-store.js';
import type { Store, StoreTransaction } from '../core/ports/store.js';
import type { UserStore } from '../core/ports/user-store.js';
import { insertAuditRows } from './audit-row.js';
import { KyselyCareStore } from './care-kysely-store.js';
import { endsByConversation, KyselyConversationStore } from './conversation-kysely-store.js';
import type { KyselyBacked } from './kysely-backed.js';
import { appendPostgresBatch } from './message-append-postgres.js';
import { type AppendOutcome, appendSqliteBatch } from './message-append-sqlite.js';
import { MAX_BATCHES_IN_FLIGHT, MessageBatcher } from './message-batcher.js';
import { KyselyMessageStore } from './message-kysely-store.js';
import { toMessageRecord } from './message-row.js';
import { KyselyPracticeStore } from './practice-kysely-store.js';
import { readsInOneQuery } from './reads-in-one-query.js';
import type { Database } from './schema.js';
import { indexAllPendingMessages } from './search-index-sqlite.js';
import { advancePostgresMarkers } from './small-writes-postgres.js';
import type { MarkerAdvance, SessionTouch } from './small-writes-sqlite.js';
import { SqliteMessageWriter } from './sqlite-writer.js';
import { TickBatcher } from './tick-batcher.js';
import { isUniqueViolation } from './unique-violation.js';
import { KyselyUserStore } from './user-kysely-store.js';

/**
 * The store: one Kysely store per aggregate (users and sessions, conversations and participants,
 * messages) over one database, composed; message appends through group commit, with one append
 * path per dialect (message-append-sqlite.ts, message-append-postgres.ts); and transactions that
 * hand every aggregate's writes, bound to the transaction, to the action that runs in them.
 */
export class KyselyStore implements Store, KyselyBacked {
  readonly #batcher: MessageBatcher;
  readonly #writer: SqliteMessageWriter | undefined;
  readonly #writeDb: Kysely<Database> | undefined;
  readonly #messages: KyselyMessageStore;
  /**
   * On a SQLite file, sessions' last use is written by the writer thread (the security store,
   * built on this store's database, takes it from here); elsewhere the security store writes it.
   */
  readonly touchSession: ((sessionId: string, at: string) => Promise<void>) | undefined;

  readonly insertUser: UserStore['insertUser'];
  readonly findUserById: UserStore['findUserById'];
  readonly findUserByEmail: UserStore['findUserByEmail'];
  readonly findUsersByIds: UserStore['findUsersByIds'];
  readonly listUsersByRoleAndStatus: UserStore['listUsersByRoleAndStatus'];
  readonly setUserStatus: UserStore['setUserStatus'];
  readonly updateParticipantSettings: ConversationStore['updateParticipantSettings'];
  readonly advanceReadMarker: ConversationStore['advanceReadMarker'];
  readonly advanceDeliveryMarker: ConversationStore['advanceDeliveryMarker'];
  readonly findDeliveryCursor: ConversationStore['findDeliveryCursor'];
  readonly saveDeliveryCursor: ConversationStore['saveDeliveryCursor'];
  readonly deleteDeliveryCursorsBefore: ConversationStore['deleteDeliveryCursorsBefore'];
  readonly findConversation: ConversationStore['findConversation'];
  readonly findConversationByDirectKey: ConversationStore['findConversationByDirectKey'];
  readonly findParticipant: ConversationStore['findParticipant'];
  readonly listParticipants: ConversationStore['listParticipants'];
  readonly findConversationWithParticipants: ConversationStore['findConversationWithParticipants'];
  readonly listConversationsOfUser: ConversationStore['listConversationsOfUser'];
  readonly listConversationEnds: ConversationStore['listConversationEnds'];
  readonly countUnread: ConversationStore['countUnread'];
  readonly listUnreadOfUser: ConversationStore['listUnreadOfUser'];
  readonly listContactIds: ConversationStore['listContactIds'];
  readonly addReaction: MessageStore['addReaction'];
  readonly removeReaction: MessageStore['removeReaction'];
  readonly findMessage: MessageStore['findMessage'];
  readonly findMessages: MessageStore['findMessages'];
  readonly findMessageByClientMsgId: MessageStore['findMessageByClientMsgId'];
  readonly findMessageBySeq: MessageStore['findMessageBySeq'];
  readonly listMessagesAfter: MessageStore['listMessagesAfter'];
  readonly listMessagesBefore: MessageStore['listMessagesBefore'];
  readonly lastMessages: MessageStore['lastMessages'];
  readonly listMessageEdits: MessageStore['listMessageEdits'];
  readonly listReactions: MessageStore['listReactions'];
  readonly findAttachments: MessageStore['findAttachments'];
  readonly searchMessages: MessageStore['searchMessages'];

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    options: {
      /** SQLite: the driver's handle, on which in-memory databases append in-thread. */
      sqliteDatabase?: SqliteDatabase.Database;
      /** SQLite on a file: message batches are committed on a writer thread. */
      sqliteWriterFile?: string;
      /** PostgreSQL: connections of their own for group commits, so they never queue behind reads. */
      writeDb?: Kysely<Database>;
    } = {},
  ) {
    const users = new KyselyUserStore(db, dialect);
    const conversations = new KyselyConversationStore(db, dialect);
    const messages = new KyselyMessageStore(db, dialect);
    this.#messages = messages;
    this.insertUser = users.insertUser.bind(users);
    this.findUserById = users.findUserById.bind(users);
    this.findUserByEmail = users.findUserByEmail.bind(users);
    // What every returning socket and request asks (its user, its conversations' ends), in one
    // query per turn of the event loop for all of them.
    this.findUsersByIds = readsInOneQuery(users.findUsersByIds.bind(users), (user) => user.id);
    this.listUsersByRoleAndStatus = users.listUsersByRoleAndStatus.bind(users);
    this.setUserStatus = users.setUserStatus.bind(users);
    this.updateParticipantSettings = conversations.updateParticipantSettings.bind(conversations);
    this.advanceReadMarker = conversations.advanceReadMarker.bind(conversations);
    this.advanceDeliveryMarker = conversations.advanceDeliveryMarker.bind(conversations);
    this.findDeliveryCursor = conversations.findDeliveryCursor.bind(conversations);
    this.saveDeliveryCursor = conversations.saveDeliveryCursor.bind(conversations);
    this.deleteDeliveryCursorsBefore = conversations.deleteDeliveryCursorsBefore.bind(conversations);
    this.findConversation = conversations.findConversation.bind(conversations);
    this.findConversationByDirectKey = conversations.findConversationByDirectKey.bind(conversations);
    this.findParticipant = conversations.findParticipant.bind(conversations);
    this.listParticipants = conversations.listParticipants.bind(conversations);
    this.findConversationWithParticipants =
      conversations.findConversationWithParticipants.bind(conversations);
    this.listConversationsOfUser = conversations.listConversationsOfUser.bind(conversations);
    const ends = readsInOneQuery(
      conversations.conversationEndsOfUsers.bind(conversations),
      (row) => row.user_id,
    );
    this.listConversationEnds = async (userId) => endsByConversation(await ends([userId]));
    this.countUnread = conversations.countUnread.bind(conversations);
    this.listUnreadOfUser = conversations.listUnreadOfUser.bind(conversations);
    this.listContactIds = conversations.listContactIds.bind(conversations);
    this.addReaction = messages.addReaction.bind(messages);
    this.removeReaction = messages.removeReaction.bind(messages);
    this.findMessage = messages.findMessage.bind(messages);
    this.findMessages = messages.findMessages.bind(messages);
    this.findMessageByClientMsgId = messages.findMessageByClientMsgId.bind(messages);
    this.findMessageBySeq = messages.findMessageBySeq.bind(messages);
    this.listMessagesAfter = messages.listMessagesAfter.bind(messages);
    this.listMessagesBefore = messages.listMessagesBefore.bind(messages);
    this.lastMessages = messages.lastMessages.bind(messages);
    this.listMessageEdits = messages.listMessageEdits.bind(messages);
    this.listReactions = messages.listReactions.bind(messages);
    this.findAttachments = messages.findAttachments.bind(messages);
    this.#writer = options.sqliteWriterFile ? new SqliteMessageWriter(options.sqliteWriterFile) : undefined;
    const writer = this.#writer;
    // New messages enter SQLite's search index after their commit (search-index-sqlite.ts): a
    // search first has every message committed before it indexed.
    const indexForSearch = this.searchIndexPath(options.sqliteDatabase);
    this.searchMessages = indexForSearch
      ? async (...args) => {
          await indexForSearch();
          return messages.searchMessages(...args);
        }
      : messages.searchMessages.bind(messages);
    this.#writeDb = options.writeDb;
    // Receipts move markers for every message every device gets: the moves of one turn of the
    // event loop in one write and one commit, on the SQLite writer thread or in one PostgreSQL
    // statement, never a commit (a disk flush) each.
    const writeDb = options.writeDb ?? db;
    const moveMarkers = writer
      ? (advances: readonly MarkerAdvance[]) => writer.advanceMarkers(advances)
      : dialect === 'postgres'
        ? (advances: readonly MarkerAdvance[]) => advancePostgresMarkers(writeDb, advances)
        : undefined;
    if (moveMarkers) {
      const markers = new TickBatcher(moveMarkers);
      this.advanceReadMarker = (conversationId, userId, seq) =>
        markers.add({ column: 'last_read_seq', conversationId, userId, seq });
      this.advanceDeliveryMarker = (conversationId, userId, seq) =>
        markers.add({ column: 'last_delivered_seq', conversationId, userId, seq });
    }
    if (writer) {
      // Returning sockets touch their sessions: on the writer thread too, many per commit.
      const touches = new TickBatcher(async (list: readonly SessionTouch[]) => {
        await writer.touchSessions(list);
        return list.map(() => undefined);
      });
      this.touchSession = (sessionId, at) => touches.add({ sessionId, at });
    }
    const writeBatch = this.appendPath(options.sqliteDatabase);
    this.#batcher = new MessageBatcher(
      writeBatch,
      (input) => this.appendAlone(writeBatch, input),
      dialect === 'postgres' ? MAX_BATCHES_IN_FLIGHT : 1,
    );
  }

  /** Concurrent appends share one transaction (group commit, store/message-batcher.ts). */
  appendMessage(input: NewMessage): Promise<AppendResult> {
    return this.#batcher.append(input);
  }

  observeCommits(observer: CommitObserver): void {
    this.#batcher.observe(observer);
  }

  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.db.transaction().execute((trx) => work(this.bound(trx)));
    // SQLite: IMMEDIATE, so the write lock is taken (waiting up to busy_timeout for the writer
    // thread) before the first read; a deferred transaction that reads first and then writes
    // after the writer thread committed would fail at once with SQLITE_BUSY.
    return this.db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const result = await work(this.bound(connection));
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        await sql`rollback`.execute(connection);
        throw error;
      }
    });
  }

  /** Every aggregate over one connection (in a transaction). */
  private bound(db: Kysely<Database>): StoreTransaction {
    return {
      users: new KyselyUserStore(db, this.dialect),
      conversations: new KyselyConversationStore(db, this.dialect),
      messages: new KyselyMessageStore(db, this.dialect),
      care: new KyselyCareStore(db, this.dialect),
      practices: new KyselyPracticeStore(db, this.dialect),
      appendAudit: (records) => insertAuditRows(db, records),
    };
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.#batcher.drain();
    await this.#writer?.close();
    await this.#writeDb?.destroy();
    await this.db.destroy();
  }

  /** SQLite's one way to index what waits before a search (none on PostgreSQL: it indexes in the append). */
  private searchIndexPath(
    sqliteDatabase: SqliteDatabase.Database | undefined,
  ): (() => Promise<void>) | undefined {
    if (this.dialect === 'postgres') return undefined;
    const writer = this.#writer;
    if (writer) return () => writer.indexForSearch();
    if (!sqliteDatabase) throw new Error('an in-memory SQLite store needs its driver handle');
    return () => this.db.connection().execute(async () => indexAllPendingMessages(sqliteDatabase));
  }

  /** The dialect's one way to write a batch of appends. */
  private appendPath(
    sqliteDatabase: SqliteDatabase.Database | undefined,
  ): (inputs: readonly NewMessage[]) => Promise<Array<AppendResult | Error>> {
    if (this.dialect === 'postgres') {
      const db = this.#writeDb ?? this.db;
      return (inputs) => appendPostgresBatch(db, inputs);
    }
    const writer = this.#writer;
    if (writer) return async (inputs) => fromOutcomes(await writer.write(inputs));
    if (!sqliteDatabase) throw new Error('an in-memory SQLite store needs its driver handle');
    // The connection is held (Kysely's lock) so no transaction of an action interleaves.
    return (inputs) =>
      this.db.connection().execute(async () => fromOutcomes(appendSqliteBatch(sqliteDatabase, inputs)));
  }

  /** One message in a transaction of its own: the fallback when a batch fails as a whole. */
  private async appendAlone(
    writeBatch: (inputs: readonly NewMessage[]) => Promise<Array<AppendResult | Error>>,
    input: NewMessage,
  ): Promise<AppendResult> {
    try {
      const [result] = await writeBatch([input]);
      if (!result || result instanceof Error) throw result ?? new Error('append failed');
      return result;
    } catch (error) {
      // A retry raced its original on another node: nothing was written; return the winner.
      if (isUniqueViolation(this.dialect, error)) {
        const winner = await this.#messages.findMessageByClientMsgId(
          input.conversationId,
          input.senderId,
          input.clientMsgId,
        );
        if (winner) return { message: winner, created: false };
      }
      throw error;
    }
  }
}

function fromOutcomes(outcomes: readonly AppendOutcome[]): Array<AppendResult | Error> {
  return outcomes.map((o) => {
    if ('refused' in o) return new AppendRefusedError();
    if ('error' in o) return new Error(o.error);
    return { message: toMessageRecord(o.row), created: o.created };
  });
}
