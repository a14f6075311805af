import { type Kysely, sql } from 'kysely';
import { AppendRefusedError, type AppendResult, type NewMessage } from '../core/ports/message-store.js';
import { toAuditRow } from './audit-row.js';
import { idempotencyKey, toMessageRecord } from './message-row.js';
import { executePrepared } from './postgres-prepared.js';
import type { Database, MessagesTable } from './schema.js';

/**
 * THE way messages are appended on PostgreSQL, a batch or a single message alike: ONE statement
 * (its own transaction), in one round trip. On a busy machine each round trip costs a wake-up of
 * two processes, and that, not the work, dominated batch time. Its text is the same for every
 * batch (the inputs travel as one array per column), so each connection prepares it once.
 *
 * Step by step, as CTEs: the inputs; the ones already stored (idempotency); the first occurrence
 * of each new key, numbered per conversation in arrival order; the conversations locked in id
 * order (two nodes' batches cannot deadlock); their last_seq bumped by the count; the messages
 * inserted with seq = new last_seq - count + rank; the senders' read markers moved to their last
 * message (a sender who is not a participant gets no row, and is refused); their attachments
 * bound (each must be an unsent upload of the sender to the conversation) and their audit rows
 * written. A unique violation (another node stored the same client_msg_id meanwhile) or an
 * attachment that could not be bound fails the statement as a whole, so nothing of it is
 * written; the batcher then retries one message at a time.
 */
export async function appendPostgresBatch(
  db: Kysely<Database>,
  inputs: readonly NewMessage[],
): Promise<Array<AppendResult | Error>> {
  // Its text depends only on whether attachments are bound: two prepared statements in all.
  const rows = await executePrepared<MessagesTable & { kind: 'new' | 'old' }>(
    db,
    bindsAttachments(inputs) ? 'carechat_append_attached' : 'carechat_append',
    batchStatement(inputs).compile(db),
  );
  return toResults(inputs, rows);
}

/**
 * What the statement answers, named: a `*` would grow with a column a later migration adds, and
 * a prepared statement whose answer changes shape fails ("cached plan must not change result
 * type") on every node still running while another migrates.
 */
const MESSAGE_COLUMNS = sql.raw(
  'id, conversation_id, seq, sender_id, client_msg_id, content, reply_to, attachments, created_at, edited_at, deleted_at',
);

function bindsAttachments(inputs: readonly NewMessage[]): boolean {
  return inputs.some((m) => m.attachments.length > 0);
}

/** The statement itself (exported for EXPLAIN when tuning). */
export function batchStatement(inputs: readonly NewMessage[]) {
  // One array per column, whatever the batch's size: the statement's text never changes, so each
  // connection parses and plans it once (see appendPostgresBatch), not once per batch.
  const column = <T>(of: (m: NewMessage, i: number) => T) => inputs.map(of);
  const input = sql`select * from unnest(
      cast(${column((_m, i) => i)} as integer[]), cast(${column((m) => m.id)} as text[]),
      cast(${column((m) => m.conversationId)} as text[]), cast(${column((m) => m.senderId)} as text[]),
      cast(${column((m) => m.clientMsgId)} as text[]), cast(${column((m) => m.content)} as text[]),
      cast(${column((m) => m.replyTo)} as text[]), cast(${column((m) => JSON.stringify(m.attachments))} as text[]),
      cast(${column((m) => m.createdAt)} as text[]),
      cast(${column((m) => JSON.stringify(m.attachments.map((a) => a.id)))} as jsonb[]),
      cast(${column((m) => (m.audit ? JSON.stringify(toAuditRow(m.audit)) : null))} as jsonb[]))`;
  // Binding and its check are in the plan only of batches that carry attachments (most carry none).
  const withAttachments = bindsAttachments(inputs);
  const binding = withAttachments
    ? sql`,
    bound as (
      update attachments a set message_id = i.id
      from inserted ins join input i on i.id = ins.id
        cross join lateral jsonb_array_elements_text(i.attachment_ids) as att(id)
      where a.id = att.id and a.message_id is null and a.deleted_at is null and a.conversation_id = i.conversation_id
        and a.uploader_id = i.sender_id
      returning a.id
    ),
    -- Every attachment of every new message bound, or the statement fails (the cast of a
    -- non-number), and with it the whole transaction. Not a constant, so never folded at planning.
    checked as (
      select case
        when (select count(*) from bound) = (
          select coalesce(sum(jsonb_array_length(i.attachment_ids)), 0) from inserted ins join input i on i.id = ins.id
        ) then 0
        else cast((select 'attachment not bindable: ' || count(*) from bound) as integer)
      end as ok
    )`
    : sql``;
  const results = withAttachments
    ? sql`select 'new' as kind, ${MESSAGE_COLUMNS} from inserted, checked where checked.ok = 0
    union all
    select 'old' as kind, ${MESSAGE_COLUMNS} from existing, checked where checked.ok = 0`
    : sql`select 'new' as kind, ${MESSAGE_COLUMNS} from inserted
    union all
    select 'old' as kind, ${MESSAGE_COLUMNS} from existing`;
  return sql<MessagesTable & { kind: 'new' | 'old' }>`
    with input (idx, id, conversation_id, sender_id, client_msg_id, content, reply_to, attachments, created_at,
      attachment_ids, audit) as (
      ${input}
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
      -- Only a sender who is a participant as this statement sees it (the send path may have
      -- checked against a cached participant list); the others get no row, and are refused.
      and exists (select 1 from participants p where p.conversation_id = i.conversation_id and p.user_id = i.sender_id)
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
    -- The senders' rows locked in key order, as the receipts' statement locks its rows
    -- (small-writes-postgres.ts): two statements moving several markers never wait in a circle.
    readers as (
      select p.conversation_id, p.user_id from participants p
      join (select distinct conversation_id, sender_id from inserted) s
        on s.conversation_id = p.conversation_id and s.sender_id = p.user_id
      order by p.conversation_id, p.user_id
      for update of p
    ),
    marked as (
      update participants p set last_read_seq = r.seq
      from (select conversation_id, sender_id, max(seq) as seq from inserted group by conversation_id, sender_id) r,
        readers l
      where p.conversation_id = r.conversation_id and p.user_id = r.sender_id and p.last_read_seq < r.seq
        and l.conversation_id = p.conversation_id and l.user_id = p.user_id
      returning 1
    ),
    audited as (
      insert into audit_events (id, at, action, outcome, code, actor_id, actor_role, session_id, door, address,
        conversation_id, message_id, target_user_id, detail)
      select i.audit->>'id', i.audit->>'at', i.audit->>'action', i.audit->>'outcome', i.audit->>'code',
        i.audit->>'actor_id', i.audit->>'actor_role', i.audit->>'session_id', i.audit->>'door',
        i.audit->>'address', i.audit->>'conversation_id', i.audit->>'message_id', i.audit->>'target_user_id',
        i.audit->>'detail'
      from inserted ins join input i on i.id = ins.id
      where i.audit is not null
      returning 1
    )${binding}
    ${results}`;
}

function toResults(
  inputs: readonly NewMessage[],
  rows: ReadonlyArray<MessagesTable & { kind: 'new' | 'old' }>,
): Array<AppendResult | Error> {
  const stored = new Map(rows.map((row) => [idempotencyKey(toMessageRecord(row)), row]));
  return inputs.map((m) => {
    const row = stored.get(idempotencyKey(m));
    if (!row) return new AppendRefusedError();
    const record = toMessageRecord(row);
    // The one input whose id was written created it; retries of it (in or before this batch) did not.
    return { message: record, created: row.kind === 'new' && record.id === m.id };
  });
}
