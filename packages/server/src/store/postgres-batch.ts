import { type Kysely, sql } from 'kysely';
import type { AppendResult, MessageRecord, NewMessage } from '../core/ports/store.js';
import type { Database, MessagesTable } from './schema.js';

/**
 * A batch of appends as ONE PostgreSQL statement (its own transaction): the same rules as
 * `writeBatch` in message-batcher.ts, in one round trip instead of seven. On a busy machine each
 * round trip costs a wake-up of two processes, and that, not the work, dominated batch time.
 *
 * Step by step, as CTEs: the inputs; the ones already stored (idempotency); the first occurrence
 * of each new key, numbered per conversation in arrival order; the conversations locked in id
 * order (two nodes' batches cannot deadlock); their last_seq bumped by the count; the messages
 * inserted with seq = new last_seq - count + rank; the senders' read markers moved to their last
 * message. A unique violation (another node stored the same client_msg_id meanwhile) fails the
 * statement as a whole, and the batcher falls back to one message at a time.
 */
export async function writeBatchPostgres(
  db: Kysely<Database>,
  inputs: readonly NewMessage[],
): Promise<Array<AppendResult | Error>> {
  const result = await batchStatement(inputs).execute(db);
  return toResults(inputs, result.rows);
}

/** The statement itself (exported for EXPLAIN when tuning). */
export function batchStatement(inputs: readonly NewMessage[]) {
  const rows = sql.join(
    inputs.map(
      (m, i) => sql`(cast(${i} as integer), cast(${m.id} as text), cast(${m.conversationId} as text),
        cast(${m.senderId} as text), cast(${m.clientMsgId} as text), cast(${m.content} as text),
        cast(${m.replyTo} as text), cast(${JSON.stringify(m.attachments)} as text), cast(${m.createdAt} as text))`,
    ),
  );
  return sql<MessagesTable & { kind: 'new' | 'old' }>`
    with input (idx, id, conversation_id, sender_id, client_msg_id, content, reply_to, attachments, created_at) as (
      values ${rows}
    ),
    existing as (
      select m.* from input i cross join lateral (
        -- limit 1 keeps this a lookup by the idempotency index per input (not a join over messages)
        select * from messages m where m.conversation_id = i.conversation_id and m.sender_id = i.sender_id
          and m.client_msg_id = i.client_msg_id limit 1
      ) m
    ),
    fresh as (
      select distinct on (i.conversation_id, i.sender_id, i.client_msg_id) i.* from input i
      where not exists (
        select 1 from existing e where e.conversation_id = i.conversation_id and e.sender_id = i.sender_id
          and e.client_msg_id = i.client_msg_id
      )
      order by i.conversation_id, i.sender_id, i.client_msg_id, i.idx
    ),
    numbered as (
      select f.*, row_number() over (partition by f.conversation_id order by f.idx) as rank,
        count(*) over (partition by f.conversation_id) as n
      from fresh f
    ),
    locked as (
      select c.id from conversations c where c.id = any(array(select conversation_id from numbered))
      order by c.id for update
    ),
    bumped as (
      update conversations c set last_seq = c.last_seq + k.n, last_activity_at = k.at
      from (select conversation_id, max(n) as n, max(created_at) as at from numbered group by conversation_id) k
      where c.id = k.conversation_id and c.id = any(array(select id from locked))
      returning c.id, c.last_seq
    ),
    inserted as (
      insert into messages (id, conversation_id, seq, sender_id, client_msg_id, content, reply_to, attachments, created_at)
      select nb.id, nb.conversation_id, b.last_seq - nb.n + nb.rank, nb.sender_id, nb.client_msg_id, nb.content,
        nb.reply_to, nb.attachments, nb.created_at
      from numbered nb join bumped b on b.id = nb.conversation_id
      returning *
    ),
    marked as (
      update participants p set last_read_seq = r.seq
      from (select conversation_id, sender_id, max(seq) as seq from inserted group by conversation_id, sender_id) r
      where p.conversation_id = r.conversation_id and p.user_id = r.sender_id and p.last_read_seq < r.seq
      returning 1
    )
    select 'new' as kind, * from inserted
    union all
    select 'old' as kind, * from existing`;
}

function toResults(
  inputs: readonly NewMessage[],
  rows: ReadonlyArray<MessagesTable & { kind: 'new' | 'old' }>,
): Array<AppendResult | Error> {
  const stored = new Map<string, { record: MessageRecord; kind: 'new' | 'old' }>();
  for (const row of rows) {
    stored.set(key(row.conversation_id, row.sender_id, row.client_msg_id), {
      record: {
        id: row.id,
        conversationId: row.conversation_id,
        seq: Number(row.seq),
        senderId: row.sender_id,
        clientMsgId: row.client_msg_id,
        content: row.content,
        replyTo: row.reply_to,
        attachments: JSON.parse(row.attachments) as MessageRecord['attachments'],
        createdAt: row.created_at,
        editedAt: row.edited_at,
        deletedAt: row.deleted_at,
      },
      kind: row.kind,
    });
  }
  return inputs.map((m) => {
    const found = stored.get(key(m.conversationId, m.senderId, m.clientMsgId));
    if (!found) return new Error('conversation not found');
    // The one input whose id was written created it; retries of it (in or before this batch) did not.
    return { message: found.record, created: found.kind === 'new' && found.record.id === m.id };
  });
}

function key(conversationId: string, senderId: string, clientMsgId: string): string {
  return `${conversationId}\u0000${senderId}\u0000${clientMsgId}`;
}
