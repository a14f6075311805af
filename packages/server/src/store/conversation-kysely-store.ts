import { type Kysely, sql } from 'kysely';
import type {
  ConversationRecord,
  ConversationStore,
  ConversationWrites,
  ParticipantRecord,
  UnreadRow,
} from '../core/ports/conversation-store.js';
import { StoreConflictError } from '../core/ports/store.js';
import { PARTICIPANT_COLUMNS, toConversation, toParticipant } from './rows.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

/**
 * THE isUnread rule of @carechat/protocol in SQL, for participant row `p` of conversation `c`:
 * messages after the read marker, not the participant's own, not deleted. Messages are looked at
 * only where the conversation goes past the marker: in an inbox most conversations are read to
 * their end, and those cost nothing more than their two rows.
 */
const UNREAD_OF_PARTICIPANT = sql<number | string>`case when c.last_seq > p.last_read_seq then (
  select count(*) from messages m
  where m.conversation_id = p.conversation_id and m.seq > p.last_read_seq
    and m.sender_id <> p.user_id and m.deleted_at is null
) else 0 end`;

/** Users per contacts query (listContactIds). */
const CONTACTS_CHUNK = 500;

/** Conversations and their participants. `db` is a connection, or the transaction of an action. */
export class KyselyConversationStore implements ConversationStore, ConversationWrites {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

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

  async insertConversation(
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<void> {
    try {
      await this.db
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
    } catch (error) {
      if (isUniqueViolation(this.dialect, error)) throw new StoreConflictError('conversation exists');
      throw error;
    }
    await this.db
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

  async listConversationEnds(userId: string): Promise<Map<string, number>> {
    return endsByConversation(await this.conversationEndsOfUsers([userId]));
  }

  /** Each conversation of each of these users, and its last seq: a row per participant. */
  async conversationEndsOfUsers(userIds: readonly string[]): Promise<ConversationEnd[]> {
    if (userIds.length === 0) return [];
    return this.db
      .selectFrom('participants as p')
      .innerJoin('conversations as c', 'c.id', 'p.conversation_id')
      .select(['p.user_id', 'c.id', 'c.last_seq'])
      .where('p.user_id', 'in', [...userIds])
      .execute();
  }

  async countUnread(userId: string, conversationIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (conversationIds.length === 0) return counts;
    const rows = await this.db
      .selectFrom('participants as p')
      .innerJoin('conversations as c', 'c.id', 'p.conversation_id')
      .select(['p.conversation_id', UNREAD_OF_PARTICIPANT.as('unread')])
      .where('p.user_id', '=', userId)
      .where('p.conversation_id', 'in', [...conversationIds])
      .execute();
    for (const row of rows) counts.set(row.conversation_id, Number(row.unread));
    return counts;
  }

  async listUnreadOfUser(userId: string): Promise<UnreadRow[]> {
    const rows = await this.db
      .selectFrom('participants as p')
      .innerJoin('conversations as c', 'c.id', 'p.conversation_id')
      .select(['p.conversation_id', 'p.muted', UNREAD_OF_PARTICIPANT.as('unread')])
      .where('p.user_id', '=', userId)
      .execute();
    return rows.map((row) => ({
      conversationId: row.conversation_id,
      unreadCount: Number(row.unread),
      muted: Number(row.muted) === 1,
    }));
  }

  async addParticipants(participants: readonly ParticipantRecord[]): Promise<string[]> {
    const added: string[] = [];
    for (const p of participants) {
      const result = await this.db
        .insertInto('participants')
        .values({
          conversation_id: p.conversationId,
          user_id: p.userId,
          joined_at: p.joinedAt,
          last_read_seq: p.lastReadSeq,
          muted: p.muted ? 1 : 0,
          pinned: p.pinned ? 1 : 0,
        })
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) added.push(p.userId);
    }
    return added;
  }

  async removeParticipant(conversationId: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('participants')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  advanceReadMarker(conversationId: string, userId: string, seq: number): Promise<number> {
    return this.advanceMarker('last_read_seq', conversationId, userId, seq);
  }

  advanceDeliveryMarker(conversationId: string, userId: string, seq: number): Promise<number> {
    return this.advanceMarker('last_delivered_seq', conversationId, userId, seq);
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

  async listContactIds(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const contacts = new Map<string, string[]>();
    const unique = [...new Set(userIds)];
    for (const id of unique) contacts.set(id, []);
    // Chunks keep every statement well under either database's limit on parameters.
    for (let i = 0; i < unique.length; i += CONTACTS_CHUNK) {
      const rows = await this.db
        .selectFrom('participants as mine')
        .innerJoin('participants as other', 'other.conversation_id', 'mine.conversation_id')
        .select(['mine.user_id as user_id', 'other.user_id as contact_id'])
        .distinct()
        .where('mine.user_id', 'in', unique.slice(i, i + CONTACTS_CHUNK))
        .whereRef('other.user_id', '<>', 'mine.user_id')
        .execute();
      for (const row of rows) contacts.get(row.user_id)!.push(row.contact_id);
    }
    return contacts;
  }

  /** Moves one of a participant's markers forward only; returns the marker now stored. */
  async findDeliveryCursor(sessionId: string, conversationId: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('delivery_cursors')
      .select('seq')
      .where('session_id', '=', sessionId)
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.seq);
  }

  async saveDeliveryCursor(
    sessionId: string,
    conversationId: string,
    seq: number,
    at: string,
  ): Promise<void> {
    await this.db
      .insertInto('delivery_cursors')
      .values({ session_id: sessionId, conversation_id: conversationId, seq, updated_at: at })
      .onConflict((oc) =>
        oc
          .columns(['session_id', 'conversation_id'])
          .doUpdateSet({ seq, updated_at: at })
          .where('delivery_cursors.seq', '<', seq),
      )
      .execute();
  }

  async deleteDeliveryCursorsBefore(conversationId: string, before: string): Promise<void> {
    await this.db
      .deleteFrom('delivery_cursors')
      .where('conversation_id', '=', conversationId)
      .where('updated_at', '<', before)
      .execute();
  }

  private async advanceMarker(
    column: 'last_read_seq' | 'last_delivered_seq',
    conversationId: string,
    userId: string,
    seq: number,
  ): Promise<number> {
    // Never past the conversation's last seq (a client may name any number).
    const lastSeq = this.db.selectFrom('conversations').select('last_seq').where('id', '=', conversationId);
    const capped =
      this.dialect === 'postgres'
        ? sql<number>`least(cast(${seq} as integer), (${lastSeq}))`
        : sql<number>`min(${seq}, (${lastSeq}))`;
    await this.db
      .updateTable('participants')
      .set({ [column]: capped })
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .where(column, '<', capped)
      .execute();
    const row = await this.db
      .selectFrom('participants')
      .select(column)
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(row?.[column] ?? 0);
  }
}

/** One participant's conversation and where it ends. */
export interface ConversationEnd {
  user_id: string;
  id: string;
  last_seq: number | string;
}

/** A user's conversation ends as the port gives them: conversation id to last seq. */
export function endsByConversation(rows: readonly ConversationEnd[]): Map<string, number> {
  return new Map(rows.map((row) => [row.id, Number(row.last_seq)]));
}
