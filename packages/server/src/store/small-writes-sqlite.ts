import type SqliteDatabase from 'better-sqlite3';

/** A participant's read or delivery marker, moved forward to `seq` (never back). */
export interface MarkerAdvance {
  column: 'last_read_seq' | 'last_delivered_seq';
  conversationId: string;
  userId: string;
  seq: number;
}

type Statements = Record<
  MarkerAdvance['column'],
  {
    advance: SqliteDatabase.Statement<[number, string, string, number]>;
    read: SqliteDatabase.Statement<[string, string]>;
  }
>;

const prepared = new WeakMap<
  SqliteDatabase.Database,
  SqliteDatabase.Transaction<(updates: readonly MarkerAdvance[]) => number[]>
>();

/**
 * THE way markers move on a SQLite file: many at once in one transaction on the connection that
 * owns the file's writes (the writer thread, sqlite-writer-thread.ts), so that the receipts every
 * device sends for every message it gets cost the event loop no commit (no fsync) of their own.
 * Returns each marker as stored afterwards (a lower seq leaves it as it was).
 */
export function advanceSqliteMarkers(
  db: SqliteDatabase.Database,
  updates: readonly MarkerAdvance[],
): number[] {
  let batch = prepared.get(db);
  if (!batch) {
    const statements = {} as Statements;
    for (const column of ['last_read_seq', 'last_delivered_seq'] as const) {
      statements[column] = {
        // Never past the conversation's last seq (a client may name any number).
        advance: db.prepare(
          `update participants set ${column} = min(?, (select last_seq from conversations where id = participants.conversation_id))
           where conversation_id = ? and user_id = ?
             and ${column} < min(?, (select last_seq from conversations where id = participants.conversation_id))`,
        ),
        read: db.prepare(
          `select ${column} as seq from participants where conversation_id = ? and user_id = ?`,
        ),
      };
    }
    batch = db.transaction((list: readonly MarkerAdvance[]) =>
      list.map((u) => {
        const { advance, read } = statements[u.column];
        advance.run(u.seq, u.conversationId, u.userId, u.seq);
        return Number((read.get(u.conversationId, u.userId) as { seq: number } | undefined)?.seq ?? 0);
      }),
    );
    prepared.set(db, batch);
  }
  return batch.immediate(updates);
}

/** A session used at `at` (its last use moves forward only). */
export interface SessionTouch {
  sessionId: string;
  at: string;
}

const touching = new WeakMap<
  SqliteDatabase.Database,
  SqliteDatabase.Transaction<(touches: readonly SessionTouch[]) => void>
>();

/**
 * Sessions' last use on a SQLite file, many in one transaction on the writer thread: every
 * socket returning after a restart touches its session, and a commit (an fsync on the event loop)
 * each stalled the node for seconds under a reconnect storm.
 */
export function touchSqliteSessions(db: SqliteDatabase.Database, touches: readonly SessionTouch[]): void {
  let batch = touching.get(db);
  if (!batch) {
    const touch = db.prepare<[string, string, string]>(
      'update sessions set last_used_at = ? where id = ? and (last_used_at is null or last_used_at < ?)',
    );
    batch = db.transaction((list: readonly SessionTouch[]) => {
      for (const t of list) touch.run(t.at, t.sessionId, t.at);
    });
    touching.set(db, batch);
  }
  batch.immediate(touches);
}
