import type SqliteDatabase from 'better-sqlite3';
import type { NewMessage } from '../core/ports/message-store.js';
import { toAuditRow } from './audit-row.js';
import { idempotencyKey, toMessageRow } from './message-row.js';
import type { MessagesTable } from './schema.js';

/**
 * THE way a batch of messages is appended on SQLite, run on the connection that owns the file's
 * writes: the writer thread (sqlite-writer-thread.ts) for a file, the main connection for an
 * in-memory database. One IMMEDIATE transaction per batch (one fsync). When one message's
 * attachment binding or audit row fails, the batch rolls back and each message is tried alone, so
 * the failing one leaves nothing behind and the rest commit.
 *
 * Per message: a (conversation, sender, client_msg_id) already stored, or earlier in the batch,
 * is returned as it is; a sender who is not a participant is refused; otherwise the
 * conversation's last_seq is bumped (seqs gap-free, in arrival order), the message inserted, its attachments bound, its audit row written, and the
 * sender's read marker moved to it (your own sends are never unread).
 */
export function appendSqliteBatch(
  db: SqliteDatabase.Database,
  inputs: readonly NewMessage[],
): AppendOutcome[] {
  const { batch } = statementsOf(db);
  try {
    return batch.immediate(inputs);
  } catch (error) {
    // The batch rolled back whole. Failures are rare (an attachment that is not the sender's
    // unsent upload, an audit row refused): each message is tried again on its own, so one
    // message's failure leaves nothing of it behind and costs the others nothing.
    if (inputs.length === 1) return [{ error: reason(error) }];
    return inputs.map((input) => {
      try {
        return batch.immediate([input])[0]!;
      } catch (failure) {
        return { error: reason(failure) };
      }
    });
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Per input: the stored row and whether this batch created it; `refused` when its sender is not a
 * participant (or there is no such conversation); or why it failed.
 */
export type AppendOutcome = { row: MessagesTable; created: boolean } | { refused: true } | { error: string };

interface Statements {
  batch: SqliteDatabase.Transaction<(inputs: readonly NewMessage[]) => AppendOutcome[]>;
}

const prepared = new WeakMap<SqliteDatabase.Database, Statements>();

function statementsOf(db: SqliteDatabase.Database): Statements {
  const known = prepared.get(db);
  if (known) return known;
  const findExisting = db.prepare<[string, string, string], MessagesTable>(
    'select * from messages where conversation_id = ? and sender_id = ? and client_msg_id = ?',
  );
  // Only for a sender who is a participant as this transaction sees it (the send path may have
  // checked against a cached participant list).
  const bump = db.prepare<[string, string, string], { last_seq: number }>(
    `update conversations set last_seq = last_seq + 1, last_activity_at = ?
     where id = ? and exists (select 1 from participants where conversation_id = conversations.id and user_id = ?)
     returning last_seq`,
  );
  const insert = db.prepare(
    `insert into messages (id, conversation_id, seq, sender_id, client_msg_id, content, reply_to, attachments, created_at)
     values (@id, @conversation_id, @seq, @sender_id, @client_msg_id, @content, @reply_to, @attachments, @created_at)`,
  );
  const bind = db.prepare(
    `update attachments set message_id = ?
     where id = ? and message_id is null and deleted_at is null and conversation_id = ? and uploader_id = ?`,
  );
  const audit = db.prepare(
    `insert into audit_events (id, at, action, outcome, code, actor_id, actor_role, session_id, door, address,
       conversation_id, message_id, target_user_id, detail)
     values (@id, @at, @action, @outcome, @code, @actor_id, @actor_role, @session_id, @door, @address,
       @conversation_id, @message_id, @target_user_id, @detail)`,
  );
  const markRead = db.prepare(
    'update participants set last_read_seq = ? where conversation_id = ? and user_id = ? and last_read_seq < ?',
  );

  // A throw rolls back the whole batch (appendSqliteBatch then tries each message alone): no
  // savepoint per message on the path every send takes.
  const one = (m: NewMessage): AppendOutcome => {
    const bumped = bump.get(m.createdAt, m.conversationId, m.senderId);
    if (!bumped) return { refused: true };
    const row = toMessageRow(m, bumped.last_seq);
    insert.run(row);
    for (const attachment of m.attachments) {
      if (bind.run(m.id, attachment.id, m.conversationId, m.senderId).changes !== 1) {
        throw new Error('attachment is not an unsent upload of the sender to this conversation');
      }
    }
    if (m.audit) audit.run(toAuditRow(m.audit));
    markRead.run(row.seq, m.conversationId, m.senderId, row.seq);
    return { row, created: true };
  };

  const batch = db.transaction((inputs: readonly NewMessage[]) => {
    const inBatch = new Map<string, MessagesTable>();
    return inputs.map((m): AppendOutcome => {
      const key = idempotencyKey(m);
      const earlier = inBatch.get(key) ?? findExisting.get(m.conversationId, m.senderId, m.clientMsgId);
      if (earlier) return { row: earlier, created: false };
      const outcome = one(m);
      if ('row' in outcome) inBatch.set(key, outcome.row);
      return outcome;
    });
  });
  const statements = { batch };
  prepared.set(db, statements);
  return statements;
}
