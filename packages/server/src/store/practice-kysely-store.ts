import type { PracticeRole } from '@carechat/protocol';
import type { Kysely, Selectable } from 'kysely';
import type {
  PracticeConversationRecord,
  PracticeMemberRecord,
  PracticeRecord,
  PracticeStore,
  SavedReplyRecord,
} from '../core/ports/practice-store.js';
import { type Store, StoreConflictError } from '../core/ports/store.js';
import { isKyselyBacked } from './kysely-backed.js';
import type { PracticeDatabase } from './practice-schema.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

type Db = Kysely<Database & PracticeDatabase>;
type Row<T extends keyof PracticeDatabase> = Selectable<PracticeDatabase[T]>;

/** Practices over the same Kysely instance as the main store (or one transaction's connection). */
export class KyselyPracticeStore implements PracticeStore {
  readonly #db: Db;

  constructor(
    db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    this.#db = db.withTables<PracticeDatabase>();
  }

  async findPractice(id: string): Promise<PracticeRecord | undefined> {
    const row = await this.#db.selectFrom('practices').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toPractice(row);
  }

  async listPractices(): Promise<PracticeRecord[]> {
    const rows = await this.#db.selectFrom('practices').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(toPractice);
  }

  async listMembers(practiceIds: readonly string[]): Promise<PracticeMemberRecord[]> {
    if (practiceIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('practice_members')
      .selectAll()
      .where('practice_id', 'in', [...practiceIds])
      .orderBy('added_at')
      .orderBy('user_id')
      .execute();
    return rows.map(toMember);
  }

  async listMembershipsOf(userId: string): Promise<PracticeMemberRecord[]> {
    const rows = await this.#db
      .selectFrom('practice_members')
      .selectAll()
      .where('user_id', '=', userId)
      .execute();
    return rows.map(toMember);
  }

  async findPracticeConversation(conversationId: string): Promise<PracticeConversationRecord | undefined> {
    const row = await this.#db
      .selectFrom('practice_conversations')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    return row && toPracticeConversation(row);
  }

  async listPracticeConversationsIn(
    conversationIds: readonly string[],
  ): Promise<PracticeConversationRecord[]> {
    if (conversationIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('practice_conversations')
      .selectAll()
      .where('conversation_id', 'in', [...conversationIds])
      .execute();
    return rows.map(toPracticeConversation);
  }

  async findPracticeConversationOf(
    practiceId: string,
    patientId: string,
  ): Promise<PracticeConversationRecord | undefined> {
    const row = await this.#db
      .selectFrom('practice_conversations')
      .selectAll()
      .where('practice_id', '=', practiceId)
      .where('patient_id', '=', patientId)
      .executeTakeFirst();
    return row && toPracticeConversation(row);
  }

  async listPracticeConversations(practiceId: string): Promise<PracticeConversationRecord[]> {
    const rows = await this.#db
      .selectFrom('practice_conversations')
      .selectAll()
      .where('practice_id', '=', practiceId)
      .orderBy('created_at')
      .execute();
    return rows.map(toPracticeConversation);
  }

  async listSavedReplies(practiceId: string): Promise<SavedReplyRecord[]> {
    const rows = await this.#db
      .selectFrom('saved_replies')
      .selectAll()
      .where('practice_id', '=', practiceId)
      .orderBy('title')
      .orderBy('id')
      .execute();
    return rows.map(toSavedReply);
  }

  async findSavedReply(id: string): Promise<SavedReplyRecord | undefined> {
    const row = await this.#db
      .selectFrom('saved_replies')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toSavedReply(row);
  }

  async insertPractice(p: PracticeRecord): Promise<void> {
    await this.#db
      .insertInto('practices')
      .values({ id: p.id, name: p.name, away_notice: p.awayNotice, created_at: p.createdAt })
      .execute();
  }

  async updatePractice(id: string, fields: { name?: string; awayNotice?: string | null }): Promise<void> {
    const set = {
      ...(fields.name === undefined ? {} : { name: fields.name }),
      ...(fields.awayNotice === undefined ? {} : { away_notice: fields.awayNotice }),
    };
    if (Object.keys(set).length === 0) return;
    await this.#db.updateTable('practices').set(set).where('id', '=', id).execute();
  }

  async putMember(m: PracticeMemberRecord): Promise<void> {
    await this.#db
      .insertInto('practice_members')
      .values({ practice_id: m.practiceId, user_id: m.userId, role: m.role, added_at: m.addedAt })
      .onConflict((oc) => oc.columns(['practice_id', 'user_id']).doUpdateSet({ role: m.role }))
      .execute();
  }

  async deleteMember(practiceId: string, userId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('practice_members')
      .where('practice_id', '=', practiceId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async insertPracticeConversation(r: PracticeConversationRecord): Promise<void> {
    try {
      await this.#db
        .insertInto('practice_conversations')
        .values({
          conversation_id: r.conversationId,
          practice_id: r.practiceId,
          patient_id: r.patientId,
          assignee_id: r.assigneeId,
          assigned_at: r.assignedAt,
          created_at: r.createdAt,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(this.dialect, error))
        throw new StoreConflictError('practice conversation exists');
      throw error;
    }
  }

  async setAssignee(conversationId: string, assigneeId: string | null, at: string | null): Promise<void> {
    await this.#db
      .updateTable('practice_conversations')
      .set({ assignee_id: assigneeId, assigned_at: at })
      .where('conversation_id', '=', conversationId)
      .execute();
  }

  async unassignMember(practiceId: string, userId: string): Promise<void> {
    await this.#db
      .updateTable('practice_conversations')
      .set({ assignee_id: null, assigned_at: null })
      .where('practice_id', '=', practiceId)
      .where('assignee_id', '=', userId)
      .execute();
  }

  async insertSavedReply(r: SavedReplyRecord): Promise<void> {
    await this.#db
      .insertInto('saved_replies')
      .values({ id: r.id, practice_id: r.practiceId, title: r.title, text: r.text, created_at: r.createdAt })
      .execute();
  }

  async deleteSavedReply(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('saved_replies').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

export function practiceStoreFor(store: Store): PracticeStore {
  if (isKyselyBacked(store)) return new KyselyPracticeStore(store.db, store.dialect);
  throw new Error('no practice store for this store: pass one in the app deps');
}

function toPractice(row: Row<'practices'>): PracticeRecord {
  return { id: row.id, name: row.name, awayNotice: row.away_notice, createdAt: row.created_at };
}

function toMember(row: Row<'practice_members'>): PracticeMemberRecord {
  return {
    practiceId: row.practice_id,
    userId: row.user_id,
    role: row.role as PracticeRole,
    addedAt: row.added_at,
  };
}

function toPracticeConversation(row: Row<'practice_conversations'>): PracticeConversationRecord {
  return {
    conversationId: row.conversation_id,
    practiceId: row.practice_id,
    patientId: row.patient_id,
    assigneeId: row.assignee_id,
    assignedAt: row.assigned_at,
    createdAt: row.created_at,
  };
}

function toSavedReply(row: Row<'saved_replies'>): SavedReplyRecord {
  return {
    id: row.id,
    practiceId: row.practice_id,
    title: row.title,
    text: row.text,
    createdAt: row.created_at,
  };
}
