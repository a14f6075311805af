import type SqliteDatabase from 'better-sqlite3';

/** Messages indexed per transaction: a bounded pause for the appends queued behind it. */
const ROWS_PER_TRANSACTION = 1000;

const prepared = new WeakMap<SqliteDatabase.Database, SqliteDatabase.Transaction<() => number>>();

/**
 * THE way messages enter the full-text index on SQLite (migration 0015): a new message waits in
 * `messages_fts_pending`, and this indexes the waiting ones, many per transaction, on the
 * connection that owns the file's writes. FTS5 writes a segment and its bookkeeping per
 * transaction, so indexing each message in its send's commit cost every send a quarter of its
 * pages. Returns how many messages it indexed.
 */
export function indexPendingMessages(db: SqliteDatabase.Database): number {
  let step = prepared.get(db);
  if (!step) {
    const last = db.prepare<[number], { message_rowid: number }>(
      'select message_rowid from messages_fts_pending order by message_rowid limit 1 offset ?',
    );
    const highest = db.prepare<[], { message_rowid: number }>(
      'select max(message_rowid) as message_rowid from messages_fts_pending',
    );
    const index = db.prepare<[number]>(
      `insert into messages_fts (rowid, content)
       select m.rowid, m.content from messages_fts_pending p join messages m on m.rowid = p.message_rowid
       where p.message_rowid <= ?`,
    );
    const done = db.prepare<[number]>('delete from messages_fts_pending where message_rowid <= ?');
    step = db.transaction(() => {
      const upTo = (last.get(ROWS_PER_TRANSACTION - 1) ?? highest.get())?.message_rowid;
      if (upTo === null || upTo === undefined) return 0;
      const indexed = index.run(upTo).changes;
      done.run(upTo);
      return indexed;
    });
    prepared.set(db, step);
  }
  let total = 0;
  for (;;) {
    const indexed = step.immediate();
    total += indexed;
    if (indexed < ROWS_PER_TRANSACTION) return total;
  }
}

/**
 * When the writer thread indexes: a while after the first message waits (so one transaction
 * carries many), at once when many wait, and whenever a search asks (flush), so a search finds
 * every message committed before it.
 */
export class SearchIndexSchedule {
  #waiting = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly db: SqliteDatabase.Database,
    private readonly delayMs = 250,
    private readonly atMost = ROWS_PER_TRANSACTION,
  ) {}

  /** `count` messages were committed and wait for the index. */
  appended(count: number): void {
    if (count === 0) return;
    this.#waiting += count;
    if (this.#waiting >= this.atMost) this.later(0);
    else if (this.#timer === undefined) this.later(this.delayMs);
  }

  /** Indexes what waits now, or soon if the file is busy (a process starting). */
  catchUp(): void {
    try {
      this.flush();
    } catch {
      this.later(this.delayMs);
    }
  }

  /** Indexes every waiting message now (also those another process committed). */
  flush(): number {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting = 0;
    return indexPendingMessages(this.db);
  }

  private later(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      try {
        this.flush();
      } catch {
        // The file is busy (another process holds its write lock past busy_timeout): the messages
        // keep waiting in the table, and the next try takes them.
        this.later(this.delayMs);
      }
    }, ms);
  }
}
