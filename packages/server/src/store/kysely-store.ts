import type { Role } from '@carechat/protocol';
import { type Kysely, type Selectable, sql } from 'kysely';
import {
  type AttachmentRecord,
  type CommitObserver,
  type ConversationRecord,
  type MessageEditRecord,
  type MessageRecord,
  type NewMessage,
  type ParticipantRecord,
  type ReactionRecord,
  type SessionRecord,
  type Store,
  StoreConflictError,
  type UserRecord,
} from '../core/ports/store.js';
import { MessageBatcher } from './message-batcher.js';
import { toMessageRecord } from './message-row.js';
import type { Database, MessagesTable } from './schema.js';
import { SqliteMessageWriter } from './sqlite-writer.js';
import { isUniqueViolation } from './unique-violation.js';

/** The one query layer behind both dialects. Dialect differences stay in `isUniqueViolation`. */
/**
 * A participant's columns, aliased `p`, for queries that join participants with conversations
 * (whose `selectAll('c')` would otherwise shadow them). One list, so a new column is added once.
 */
const PARTICIPANT_COLUMNS = [
  'p.conversation_id',
  'p.user_id',
  'p.joined_at',
  'p.last_read_seq',
  'p.last_delivered_seq',
  'p.muted',
  'p.pinned',
] as const;

export class KyselyStore implements Store {
  readonly #batcher: MessageBatcher;

  readonly #writer: SqliteMessageWriter | undefined;
  readonly #writeDb: Kysely<Database> | undefined;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    options: {
      /** SQLite on a file: message batches are committed on a writer thread. */
      sqliteWriterFile?: string;
      /** PostgreSQL: connections of their own for group commits, so they never queue behind reads. */
      writeDb?: Kysely<Database>;
    } = {},
  ) {
    this.#writer = options.sqliteWriterFile ? new SqliteMessageWriter(options.sqliteWriterFile) : undefined;
    this.#writeDb = options.writeDb;
    const writer = this.#writer;
    this.#batcher = new MessageBatcher(
      options.writeDb ?? db,
      dialect,
      (input) => this.appendOne(input),
      writer ? (inputs) => writer.write(inputs) : undefined,
    );
  }

  async insertUser(user: UserRecord): Promise<void> {
    try {
      await this.db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email.toLowerCase(),
          name: user.name,
          role: user.role,
          password_hash: user.passwordHash,
          created_at: user.createdAt,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(this.dialect, error)) throw new StoreConflictError('user exists');
      throw error;
    }
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findUsersByIds(ids: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toUser);
  }

  async insertSession(session: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        token_hash: session.tokenHash,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        revoked_at: session.revokedAt,
      })
      .execute();
  }

  async findSessionById(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSession(row);
  }

  async findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async rotateSessionToken(
    id: string,
    oldHash: string,
    newHash: string,
    expiresAt: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ token_hash: newHash, expires_at: expiresAt })
      .where('id', '=', id)
      .where('token_hash', '=', oldHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeSession(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async findConversation(id: string): Promise<ConversationRecord | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toConversation(row);
  }

  async findConversationByDirectKey(directKey: string): Promise<ConversationRecord | undefined> {
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('direct_key', '=', directKey)
      .executeTakeFirst();
    return row && toConversation(row);
  }

  async createConversation(
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<{ conversation: ConversationRecord; created: boolean }> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('conversations')
          .values({
            id: conversation.id,
            kind: conversation.kind,
            direct_key: conversation.directKey,
            appointment_id: conversation.appointmentId,
            created_by: conversation.createdBy,
            created_at: conversation.createdAt,
            last_seq: conversation.lastSeq,
            last_activity_at: conversation.lastActivityAt,
          })
          .execute();
        await trx
          .insertInto('participants')
          .values(
            participants.map((p) => ({
              conversation_id: p.conversationId,
              user_id: p.userId,
              joined_at: p.joinedAt,
              last_read_seq: p.lastReadSeq,
              last_delivered_seq: p.lastDeliveredSeq,
              muted: p.muted ? 1 : 0,
              pinned: p.pinned ? 1 : 0,
            })),
          )
          .execute();
      });
      return { conversation, created: true };
    } catch (error) {
      // Two people opening the same 1:1 chat at once: the loser returns the winner's conversation.
      if (conversation.directKey && isUniqueViolation(this.dialect, error)) {
        const existing = await this.findConversationByDirectKey(conversation.directKey);
        if (existing) return { conversation: existing, created: false };
      }
      throw error;
    }
  }

  async findParticipant(conversationId: string, userId: string): Promise<ParticipantRecord | undefined> {
    const row = await this.db
      .selectFrom('participants')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && toParticipant(row);
  }

  async listParticipants(conversationIds: readonly string[]): Promise<ParticipantRecord[]> {
    if (conversationIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('participants')
      .selectAll()
      .where('conversation_id', 'in', [...conversationIds])
      .orderBy('joined_at')
      .orderBy('user_id')
      .execute();
    return rows.map(toParticipant);
  }

  async findConversationWithParticipants(
    id: string,
  ): Promise<{ conversation: ConversationRecord; participants: ParticipantRecord[] } | undefined> {
    const rows = await this.db
      .selectFrom('conversations as c')
      .innerJoin('participants as p', 'p.conversation_id', 'c.id')
      .selectAll('c')
      .select(PARTICIPANT_COLUMNS)
      .where('c.id', '=', id)
      .orderBy('p.joined_at')
      .orderBy('p.user_id')
      .execute();
    if (rows.length === 0) {
      // A conversation without participants is still a conversation (the access check refuses it).
      const conversation = await this.findConversation(id);
      return conversation && { conversation, participants: [] };
    }
    return { conversation: toConversation(rows[0]!), participants: rows.map(toParticipant) };
  }

  async listConversationsOfUser(
    userId: string,
  ): Promise<Array<{ conversation: ConversationRecord; self: ParticipantRecord }>> {
    const rows = await this.db
      .selectFrom('participants as p')
      .innerJoin('conversations as c', 'c.id', 'p.conversation_id')
      .selectAll('c')
      .select(PARTICIPANT_COLUMNS)
      .where('p.user_id', '=', userId)
      // Pinned conversations stay on top; then newest activity first.
      .orderBy('p.pinned', 'desc')
      .orderBy('c.last_activity_at', 'desc')
      .orderBy('c.id', 'desc')
      .execute();
    return rows.map((row) => ({ conversation: toConversation(row), self: toParticipant(row) }));
  }

  async countUnread(userId: string, conversationIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (conversationIds.length === 0) return counts;
    const rows = await this.db
      .selectFrom('messages as m')
      .innerJoin('participants as p', (join) =>
        join.onRef('p.conversation_id', '=', 'm.conversation_id').on('p.user_id', '=', userId),
      )
      .select(['m.conversation_id', (eb) => eb.fn.countAll<string | number>().as('unread')])
      .where('m.conversation_id', 'in', [...conversationIds])
      .whereRef('m.seq', '>', 'p.last_read_seq')
      .where('m.sender_id', '<>', userId)
      .where('m.deleted_at', 'is', null)
      .groupBy('m.conversation_id')
      .execute();
    for (const row of rows) counts.set(row.conversation_id, Number(row.unread));
    return counts;
  }

  /** Concurrent appends share one transaction (group commit, store/message-batcher.ts). */
  appendMessage(input: NewMessage): Promise<{ message: MessageRecord; created: boolean }> {
    return this.#batcher.append(input);
  }

  observeCommits(observer: CommitObserver): void {
    this.#batcher.observe(observer);
  }

  /** One message in its own transaction: the fallback when a batch fails as a whole. */
  private async appendOne(input: NewMessage): Promise<{ message: MessageRecord; created: boolean }> {
    const existing = await this.findByClientMsgId(input);
    if (existing) return { message: existing, created: false };
    try {
      const message = await this.db.transaction().execute(async (trx) => {
        // The row lock taken by this UPDATE serialises concurrent senders into one conversation,
        // so seqs are allocated gap-free in commit order.
        const bumped = await trx
          .updateTable('conversations')
          .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_activity_at: input.createdAt }))
          .where('id', '=', input.conversationId)
          .returning('last_seq')
          .executeTakeFirstOrThrow();
        const seq = Number(bumped.last_seq);
        await trx
          .insertInto('messages')
          .values({
            id: input.id,
            conversation_id: input.conversationId,
            seq,
            sender_id: input.senderId,
            client_msg_id: input.clientMsgId,
            content: input.content,
            reply_to: input.replyTo,
            attachments: JSON.stringify(input.attachments),
            created_at: input.createdAt,
          })
          .execute();
        // Writing a message means having read everything before it: your own sends are never unread.
        await trx
          .updateTable('participants')
          .set({ last_read_seq: seq })
          .where('conversation_id', '=', input.conversationId)
          .where('user_id', '=', input.senderId)
          .where('last_read_seq', '<', seq)
          .execute();
        return { ...input, seq, editedAt: null, deletedAt: null } satisfies MessageRecord;
      });
      return { message, created: true };
    } catch (error) {
      // A retry raced its original: the transaction rolled back (no seq consumed); return the winner.
      if (isUniqueViolation(this.dialect, error)) {
        const winner = await this.findByClientMsgId(input);
        if (winner) return { message: winner, created: false };
      }
      throw error;
    }
  }

  private findByClientMsgId(input: NewMessage): Promise<MessageRecord | undefined> {
    return this.findMessageByClientMsgId(input.conversationId, input.senderId, input.clientMsgId);
  }

  async findMessageByClientMsgId(
    conversationId: string,
    senderId: string,
    clientMsgId: string,
  ): Promise<MessageRecord | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('sender_id', '=', senderId)
      .where('client_msg_id', '=', clientMsgId)
      .executeTakeFirst();
    return row && toMessageRecord(row);
  }

  async findMessage(id: string): Promise<MessageRecord | undefined> {
    const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toMessageRecord(row);
  }

  async findMessageBySeq(conversationId: string, seq: number): Promise<MessageRecord | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return row && toMessageRecord(row);
  }

  async listMessagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<MessageRecord[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toMessageRecord);
  }

  async listMessagesBefore(
    conversationId: string,
    beforeSeq: number,
    limit: number,
  ): Promise<MessageRecord[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '<', beforeSeq)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toMessageRecord).reverse();
  }

  async lastMessages(conversationIds: readonly string[]): Promise<MessageRecord[]> {
    if (conversationIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', (join) =>
        join.onRef('c.id', '=', 'm.conversation_id').onRef('c.last_seq', '=', 'm.seq'),
      )
      .selectAll('m')
      .where('m.conversation_id', 'in', [...conversationIds])
      .execute();
    return rows.map(toMessageRecord);
  }

  advanceReadMarker(conversationId: string, userId: string, seq: number): Promise<number> {
    return this.advanceMarker('last_read_seq', conversationId, userId, seq);
  }

  async updateMessageContent(id: string, content: string, editedAt: string): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ content, edited_at: editedAt })
      .where('id', '=', id)
      .execute();
  }

  async markMessageDeleted(id: string, deletedAt: string): Promise<void> {
    // The content goes with the deletion: a deleted message keeps its place (seq), not its words.
    await this.db
      .updateTable('messages')
      .set({ content: '', attachments: '[]', deleted_at: deletedAt })
      .where('id', '=', id)
      .execute();
  }

  async findMessages(ids: readonly string[]): Promise<MessageRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toMessageRecord);
  }

  advanceDeliveryMarker(conversationId: string, userId: string, seq: number): Promise<number> {
    return this.advanceMarker('last_delivered_seq', conversationId, userId, seq);
  }

  /** Moves one of a participant's markers forward only; returns the marker now stored. */
  private async advanceMarker(
    column: 'last_read_seq' | 'last_delivered_seq',
    conversationId: string,
    userId: string,
    seq: number,
  ): Promise<number> {
    await this.db
      .updateTable('participants')
      .set({ [column]: seq })
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .where(column, '<', seq)
      .execute();
    const row = await this.db
      .selectFrom('participants')
      .select(column)
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(row?.[column] ?? 0);
  }

  async countUnreadAll(userId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('participants')
      .select('conversation_id')
      .where('user_id', '=', userId)
      .execute();
    const ids = rows.map((r) => r.conversation_id);
    const counts = await this.countUnread(userId, ids);
    return new Map(ids.map((id) => [id, counts.get(id) ?? 0]));
  }

  async recordMessageEdit(edit: MessageEditRecord): Promise<void> {
    await this.db
      .insertInto('message_edits')
      .values({
        id: edit.id,
        message_id: edit.messageId,
        editor_id: edit.editorId,
        kind: edit.kind,
        previous_content: edit.previousContent,
        created_at: edit.createdAt,
      })
      .execute();
  }

  async listMessageEdits(messageId: string): Promise<MessageEditRecord[]> {
    const rows = await this.db
      .selectFrom('message_edits')
      .selectAll()
      .where('message_id', '=', messageId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      messageId: r.message_id,
      editorId: r.editor_id,
      kind: r.kind === 'delete' ? 'delete' : 'edit',
      previousContent: r.previous_content,
      createdAt: r.created_at,
    }));
  }

  async addReaction(reaction: ReactionRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('reactions')
      .values({
        message_id: reaction.messageId,
        user_id: reaction.userId,
        emoji: reaction.emoji,
        created_at: reaction.createdAt,
      })
      .onConflict((oc) => oc.columns(['message_id', 'user_id', 'emoji']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('reactions')
      .where('message_id', '=', messageId)
      .where('user_id', '=', userId)
      .where('emoji', '=', emoji)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listReactions(messageIds: readonly string[]): Promise<ReactionRecord[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('reactions')
      .selectAll()
      .where('message_id', 'in', [...messageIds])
      .orderBy('created_at')
      .orderBy('emoji')
      .orderBy('user_id')
      .execute();
    return rows.map((r) => ({
      messageId: r.message_id,
      userId: r.user_id,
      emoji: r.emoji,
      createdAt: r.created_at,
    }));
  }

  async updateParticipantSettings(
    conversationId: string,
    userId: string,
    settings: { muted?: boolean | undefined; pinned?: boolean | undefined },
  ): Promise<void> {
    const values: { muted?: number; pinned?: number } = {};
    if (settings.muted !== undefined) values.muted = settings.muted ? 1 : 0;
    if (settings.pinned !== undefined) values.pinned = settings.pinned ? 1 : 0;
    if (Object.keys(values).length === 0) return;
    await this.db
      .updateTable('participants')
      .set(values)
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .execute();
  }

  async listContactIds(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('participants as mine')
      .innerJoin('participants as other', 'other.conversation_id', 'mine.conversation_id')
      .select('other.user_id')
      .distinct()
      .where('mine.user_id', '=', userId)
      .where('other.user_id', '<>', userId)
      .execute();
    return rows.map((r) => r.user_id);
  }

  async insertAttachment(attachment: AttachmentRecord): Promise<void> {
    await this.db
      .insertInto('attachments')
      .values({
        id: attachment.id,
        conversation_id: attachment.conversationId,
        uploader_id: attachment.uploaderId,
        name: attachment.name,
        content_type: attachment.contentType,
        size: attachment.size,
        storage_key: attachment.storageKey,
        message_id: attachment.messageId,
        created_at: attachment.createdAt,
      })
      .execute();
  }

  async findAttachments(ids: readonly string[]): Promise<AttachmentRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      uploaderId: r.uploader_id,
      name: r.name,
      contentType: r.content_type,
      size: Number(r.size),
      storageKey: r.storage_key,
      messageId: r.message_id,
      createdAt: r.created_at,
    }));
  }

  async bindAttachments(ids: readonly string[], messageId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('attachments')
      .set({ message_id: messageId })
      .where('id', 'in', [...ids])
      .where('message_id', 'is', null)
      .execute();
  }

  async searchMessages(
    userId: string,
    query: string,
    limit: number,
    before?: { createdAt: string; id: string },
  ): Promise<MessageRecord[]> {
    const terms = searchTerms(query);
    if (terms.length === 0) return [];
    const page = before
      ? sql`and (m.created_at < ${before.createdAt} or (m.created_at = ${before.createdAt} and m.id < ${before.id}))`
      : sql``;
    const match =
      this.dialect === 'sqlite'
        ? sql`m.rowid in (select rowid from messages_fts where messages_fts match ${terms.map((t) => `"${t}"*`).join(' ')})`
        : sql`to_tsvector('simple', m.content) @@ to_tsquery('simple', ${terms.map((t) => `${t}:*`).join(' & ')})`;
    const { rows } = await sql<Selectable<MessagesTable>>`
      select m.* from messages m
      join participants p on p.conversation_id = m.conversation_id and p.user_id = ${userId}
      where ${match} and m.deleted_at is null ${page}
      order by m.created_at desc, m.id desc
      limit ${limit}`.execute(this.db);
    return rows.map(toMessageRecord);
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
}

/** Words only (letters and digits), lower-cased, at most eight: nothing a user types can break the query. */
function searchTerms(query: string): string[] {
  return (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
}

type Row<T extends keyof Database> = Selectable<Database[T]>;

function toUser(row: Row<'users'>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

function toSession(row: Row<'sessions'>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function toConversation(row: Row<'conversations'>): ConversationRecord {
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

function toParticipant(row: Row<'participants'>): ParticipantRecord {
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
