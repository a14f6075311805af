import { type Kysely, sql, type Transaction } from 'kysely';
import type { AppendResult, CommitObserver, MessageRecord, NewMessage } from '../core/ports/store.js';
import { toMessageRecord } from './message-row.js';
import { writeBatchPostgres } from './postgres-batch.js';
import type { Database } from './schema.js';

/** The most messages written by one transaction; more wait for the next one. */
const MAX_BATCH = 256;

/** PostgreSQL batches written at once per process (SQLite has one writer: one). */
export const MAX_BATCHES_IN_FLIGHT = 4;

/** Told after every commit of a batch: how many were asked for, how many were new, and how long it took. */

interface Pending {
  input: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit. Every append that arrives while a transaction is being written joins the next
 * one, so under load one commit (one fsync on SQLite, one WAL flush on PostgreSQL) carries many
 * messages, while a lone message is written at once. The rules of a single append hold for each
 * message of a batch: seqs are allocated per conversation in arrival order with no gaps, a
 * (conversation, sender, client_msg_id) already stored is returned instead of written again, and
 * no promise resolves before its transaction has committed.
 */
export class MessageBatcher {
  #queue: Pending[] = [];
  #scheduled = false;
  #inFlight = 0;
  #idle: Array<() => void> = [];
  #observer: CommitObserver | undefined;
  /**
   * Transactions written at once. SQLite has one writer, so one. PostgreSQL takes a few: while one
   * batch waits for its WAL flush the next is already being written (row locks keep seqs right).
   */
  readonly #maxInFlight: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
    /** The one-message path, used when a batch fails as a whole (a race with another node). */
    private readonly appendOne: (input: NewMessage) => Promise<AppendResult>,
    /** Writes a batch elsewhere than this connection (SQLite: a writer thread). */
    private readonly writer?: (inputs: readonly NewMessage[]) => Promise<Array<AppendResult | Error>>,
  ) {
    this.#maxInFlight = dialect === 'postgres' ? MAX_BATCHES_IN_FLIGHT : 1;
  }

  observe(observer: CommitObserver): void {
    this.#observer = observer;
  }

  append(input: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything queued so far is written (shutdown). */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  private schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight) return;
    this.#scheduled = true;
    // One turn of the event loop lets the appends of the same burst of socket reads join.
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
        this.#inFlight += 1;
        void this.write(this.#queue.splice(0, MAX_BATCH)).finally(() => {
          this.#inFlight -= 1;
          if (this.#queue.length > 0) this.schedule();
          else if (this.#inFlight === 0 && !this.#scheduled) for (const done of this.#idle.splice(0)) done();
        });
      }
    });
  }

  private async write(batch: Pending[]): Promise<void> {
    const started = performance.now();
    let results: Array<AppendResult | Error>;
    try {
      const inputs = batch.map((p) => p.input);
      results = this.writer
        ? await this.writer(inputs)
        : this.dialect === 'postgres'
          ? await writeBatchPostgres(this.db, inputs)
          : await this.db.transaction().execute((trx) => writeBatch(trx, inputs));
    } catch {
      // The batch rolled back whole (another node stored one of these client_msg_ids first, a
      // deadlock, a dropped connection): each message gets the careful one-at-a-time path, in
      // arrival order so seqs still follow it.
      for (const p of batch) {
        await this.appendOne(p.input).then(
          (r) => p.resolve(r),
          (e: unknown) => p.reject(e),
        );
      }
      return;
    }
    let created = 0;
    for (const [i, p] of batch.entries()) {
      const result = results[i]!;
      if (result instanceof Error) p.reject(result);
      else {
        if (result.created) created += 1;
        p.resolve(result);
      }
    }
    this.#observer?.({ size: batch.length, created, seconds: (performance.now() - started) / 1000 });
  }
}

function idempotencyKey(m: { conversationId: string; senderId: string; clientMsgId: string }): string {
  return `${m.conversationId}\u0000${m.senderId}\u0000${m.clientMsgId}`;
}

/**
 * Writes one batch inside `trx` (in-memory SQLite; files use the writer thread and PostgreSQL its
 * one-statement form, postgres-batch.ts); returns a result (or the error) for each input, in order.
 */
async function writeBatch(
  trx: Transaction<Database>,
  inputs: readonly NewMessage[],
): Promise<Array<AppendResult | Error>> {
  const existing = await findExisting(trx, inputs);

  // The first occurrence of each key is written; later ones in the same batch are its retries.
  const firstOfKey = new Map<string, number>();
  const fresh: number[] = [];
  inputs.forEach((input, i) => {
    const key = idempotencyKey(input);
    if (existing.has(key) || firstOfKey.has(key)) return;
    firstOfKey.set(key, i);
    fresh.push(i);
  });

  // Seqs per conversation, in arrival order: one statement bumps every conversation of the batch.
  const byConversation = new Map<string, number[]>();
  for (const i of fresh) {
    const id = inputs[i]!.conversationId;
    const list = byConversation.get(id);
    if (list) list.push(i);
    else byConversation.set(id, [i]);
  }
  const seqs = new Map<number, number>();
  const missing = new Set<string>(byConversation.keys());
  if (byConversation.size > 0) {
    const ids = [...byConversation.keys()].sort();
    const bumps = sql.join(
      ids.map((id) => {
        const indices = byConversation.get(id)!;
        const lastActivity = indices.map((i) => inputs[i]!.createdAt).reduce((a, b) => (a > b ? a : b));
        return sql`select cast(${id} as text) as cid, cast(${indices.length} as integer) as n, cast(${lastActivity} as text) as at`;
      }),
      sql` union all `,
    );
    const bumped = await sql<{ id: string; last_seq: number | string }>`
      update conversations set last_seq = conversations.last_seq + v.n, last_activity_at = v.at
      from (${bumps}) as v where conversations.id = v.cid
      returning conversations.id as id, conversations.last_seq as last_seq`.execute(trx);
    for (const row of bumped.rows) {
      const indices = byConversation.get(row.id)!;
      missing.delete(row.id);
      const first = Number(row.last_seq) - indices.length + 1;
      for (const [k, i] of indices.entries()) seqs.set(i, first + k);
    }
  }

  const written = fresh.filter((i) => seqs.has(i));
  if (written.length > 0) {
    await trx
      .insertInto('messages')
      .values(
        written.map((i) => {
          const m = inputs[i]!;
          return {
            id: m.id,
            conversation_id: m.conversationId,
            seq: seqs.get(i)!,
            sender_id: m.senderId,
            client_msg_id: m.clientMsgId,
            content: m.content,
            reply_to: m.replyTo,
            attachments: JSON.stringify(m.attachments),
            created_at: m.createdAt,
          };
        }),
      )
      .execute();
  }

  // Writing a message means having read everything before it: your own sends are never unread.
  const readUpTo = new Map<string, { conversationId: string; userId: string; seq: number }>();
  for (const i of written) {
    const m = inputs[i]!;
    const key = `${m.conversationId}\u0000${m.senderId}`;
    const seq = seqs.get(i)!;
    const known = readUpTo.get(key);
    if (!known || known.seq < seq)
      readUpTo.set(key, { conversationId: m.conversationId, userId: m.senderId, seq });
  }
  if (readUpTo.size > 0) {
    const marks = sql.join(
      [...readUpTo.keys()].sort().map((key) => {
        const r = readUpTo.get(key)!;
        return sql`select cast(${r.conversationId} as text) as cid, cast(${r.userId} as text) as uid, cast(${r.seq} as integer) as seq`;
      }),
      sql` union all `,
    );
    await sql`
      update participants set last_read_seq = v.seq
      from (${marks}) as v
      where participants.conversation_id = v.cid and participants.user_id = v.uid
        and participants.last_read_seq < v.seq`.execute(trx);
  }

  return inputs.map((input, i) => {
    const key = idempotencyKey(input);
    const stored = existing.get(key);
    if (stored) return { message: stored, created: false };
    if (missing.has(input.conversationId)) return new Error('conversation not found');
    const first = firstOfKey.get(key)!;
    const original = inputs[first]!;
    const message: MessageRecord = { ...original, seq: seqs.get(first)!, editedAt: null, deletedAt: null };
    return { message, created: first === i };
  });
}

/** The messages of the batch already stored under their (conversation, sender, client_msg_id). */
async function findExisting(
  trx: Transaction<Database>,
  inputs: readonly NewMessage[],
): Promise<Map<string, MessageRecord>> {
  const rows = await trx
    .selectFrom('messages')
    .selectAll()
    .where((eb) =>
      eb.or(
        inputs.map((m) =>
          eb.and([
            eb('conversation_id', '=', m.conversationId),
            eb('sender_id', '=', m.senderId),
            eb('client_msg_id', '=', m.clientMsgId),
          ]),
        ),
      ),
    )
    .execute();
  return new Map(rows.map((row) => [idempotencyKey(toMessageRecord(row)), toMessageRecord(row)]));
}
