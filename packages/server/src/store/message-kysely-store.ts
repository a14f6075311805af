import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  AttachmentRecord,
  MessageEditRecord,
  MessageRecord,
  MessageStore,
  MessageWrites,
  ReactionRecord,
} from '../core/ports/message-store.js';
import { toMessageRecord } from './message-row.js';
import type { Database, MessagesTable } from './schema.js';

/**
 * Messages, their edit history, reactions and attachments; appends go through the group commit
 * (kysely-store.ts). `db` is a connection, or the transaction of an action.
 */
export class KyselyMessageStore
  implements Omit<MessageStore, 'appendMessage' | 'observeCommits'>, MessageWrites
{
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

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

  async markAttachmentsDeleted(messageId: string, deletedAt: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('attachments')
      .select('storage_key')
      .where('message_id', '=', messageId)
      .where('deleted_at', 'is', null)
      .execute();
    if (rows.length === 0) return [];
    await this.db
      .updateTable('attachments')
      .set({ deleted_at: deletedAt })
      .where('message_id', '=', messageId)
      .where('deleted_at', 'is', null)
      .execute();
    return rows.map((r) => r.storage_key);
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
      deletedAt: r.deleted_at,
    }));
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
}

/** Words only (letters and digits), lower-cased, at most eight: nothing a user types can break the query. */
function searchTerms(query: string): string[] {
  return (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
}
