import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type { NewMessage } from '../core/ports/store.js';
import type { MessagesTable } from './schema.js';

/**
 * The body of the SQLite message-writer thread (store/sqlite-writer.ts). It owns a connection of
 * its own to the same file and writes each batch in one IMMEDIATE transaction, so the fsync of a
 * commit (synchronous=FULL) blocks this thread, never the server's event loop.
 */

export interface WriteRequest {
  id: number;
  inputs: NewMessage[];
}

export type WrittenRow = MessagesTable;

export interface WriteResponse {
  id: number;
  /** Per input: the stored row and whether this batch created it, or an error message. */
  results?: Array<{ row: WrittenRow; created: boolean } | { error: string }>;
  /** The whole batch rolled back. */
  error?: string;
}

const db = new SqliteDatabase((workerData as { file: string }).file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');

const findExisting = db.prepare<[string, string, string], WrittenRow>(
  'select * from messages where conversation_id = ? and sender_id = ? and client_msg_id = ?',
);
const bump = db.prepare<[string, string], { last_seq: number }>(
  'update conversations set last_seq = last_seq + 1, last_activity_at = ? where id = ? returning last_seq',
);
const insert = db.prepare(
  `insert into messages (id, conversation_id, seq, sender_id, client_msg_id, content, reply_to, attachments, created_at)
   values (@id, @conversation_id, @seq, @sender_id, @client_msg_id, @content, @reply_to, @attachments, @created_at)`,
);
const markRead = db.prepare(
  'update participants set last_read_seq = ? where conversation_id = ? and user_id = ? and last_read_seq < ?',
);

/** Same rules as store/message-batcher.ts, one message at a time (statements are cheap in-process). */
const writeBatch = db.transaction((inputs: NewMessage[]) => {
  const inBatch = new Map<string, WrittenRow>();
  return inputs.map((m) => {
    const key = `${m.conversationId}\u0000${m.senderId}\u0000${m.clientMsgId}`;
    const earlier = inBatch.get(key) ?? findExisting.get(m.conversationId, m.senderId, m.clientMsgId);
    if (earlier) return { row: earlier, created: false };
    const bumped = bump.get(m.createdAt, m.conversationId);
    if (!bumped) return { error: 'conversation not found' };
    const row: WrittenRow = {
      id: m.id,
      conversation_id: m.conversationId,
      seq: bumped.last_seq,
      sender_id: m.senderId,
      client_msg_id: m.clientMsgId,
      content: m.content,
      reply_to: m.replyTo,
      attachments: JSON.stringify(m.attachments),
      created_at: m.createdAt,
      edited_at: null,
      deleted_at: null,
    };
    insert.run(row);
    // Writing a message means having read everything before it.
    markRead.run(row.seq, m.conversationId, m.senderId, row.seq);
    inBatch.set(key, row);
    return { row, created: true };
  });
});

parentPort!.on('message', (request: WriteRequest) => {
  let response: WriteResponse;
  try {
    response = { id: request.id, results: writeBatch.immediate(request.inputs) };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(response);
});
