import { type Kysely, sql } from 'kysely';
import { executePrepared } from './postgres-prepared.js';
import type { Database } from './schema.js';
import type { MarkerAdvance } from './small-writes-sqlite.js';

/**
 * THE way markers move on PostgreSQL: the receipts of one turn of the event loop in one
 * statement, prepared once per connection, so one commit carries them all. Before, each receipt
 * was an update and a read of its own, both parsed and planned: 0.34 ms of PostgreSQL's time and
 * a commit per receipt, and every device sends one for every message it gets.
 *
 * Returns each marker as stored afterwards (a lower seq leaves it as it was). Markers of the same
 * participant in one batch are moved together, so each of them reads the batch's result.
 *
 * The participants' rows are locked in key order before they are written, as the message append
 * locks the senders' rows (message-append-postgres.ts): two statements that move several markers
 * each can then never wait on each other in a circle.
 */
export async function advancePostgresMarkers(
  db: Kysely<Database>,
  updates: readonly MarkerAdvance[],
): Promise<number[]> {
  const rows = await executePrepared<{ seq: number }>(
    db,
    'carechat_markers',
    markersStatement(updates).compile(db),
  );
  return rows.map((row) => Number(row.seq));
}

function markersStatement(updates: readonly MarkerAdvance[]) {
  return sql<{ seq: number }>`
    with input (idx, is_read, conversation_id, user_id, seq) as (
      select * from unnest(
        cast(${updates.map((_u, i) => i)} as integer[]),
        cast(${updates.map((u) => u.column === 'last_read_seq')} as boolean[]),
        cast(${updates.map((u) => u.conversationId)} as text[]),
        cast(${updates.map((u) => u.userId)} as text[]),
        cast(${updates.map((u) => u.seq)} as integer[]))
    ),
    -- Never past the conversation's last seq (a client may name any number).
    wanted as (
      -- (least() ignores a null: without a marker of its kind the column stays null.)
      select i.conversation_id, i.user_id,
        case when bool_or(i.is_read) then least(max(i.seq) filter (where i.is_read), max(c.last_seq)) end
          as read_seq,
        case when bool_or(not i.is_read) then least(max(i.seq) filter (where not i.is_read), max(c.last_seq)) end
          as delivered_seq
      from input i join conversations c on c.id = i.conversation_id
      group by i.conversation_id, i.user_id
    ),
    locked as (
      select p.conversation_id, p.user_id from participants p
      join wanted w on w.conversation_id = p.conversation_id and w.user_id = p.user_id
      where p.last_read_seq < w.read_seq or p.last_delivered_seq < w.delivered_seq
      order by p.conversation_id, p.user_id
      for update of p
    ),
    moved as (
      update participants p set
        last_read_seq = greatest(p.last_read_seq, coalesce(w.read_seq, 0)),
        last_delivered_seq = greatest(p.last_delivered_seq, coalesce(w.delivered_seq, 0))
      from wanted w, locked l
      where w.conversation_id = p.conversation_id and w.user_id = p.user_id
        and l.conversation_id = p.conversation_id and l.user_id = p.user_id
      returning p.conversation_id, p.user_id, p.last_read_seq, p.last_delivered_seq
    )
    select coalesce(
      case when i.is_read then m.last_read_seq else m.last_delivered_seq end,
      case when i.is_read then p.last_read_seq else p.last_delivered_seq end,
      0) as seq
    from input i
    left join moved m on m.conversation_id = i.conversation_id and m.user_id = i.user_id
    left join participants p on p.conversation_id = i.conversation_id and p.user_id = i.user_id
    order by i.idx`;
}
