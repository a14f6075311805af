import type SqliteDatabase from 'better-sqlite3';

/** Messages indexed per transaction when a search waits for them. */
const ROWS_FOR_A_SEARCH = 1000;
/** Messages indexed per transaction in the background: a pause of about a millisecond for the writes queued behind it. */
const ROWS_IN_THE_BACKGROUND = 200;

const prepared = new WeakMap<
  SqliteDatabase.Database,
  SqliteDatabase.Transaction<(limit: number) => number>
>();

/**
 * THE way messages enter the full-text index on SQLite (migration 0015): a new message waits in
 * `messages_fts_pending`, and this indexes up to `limit` of the waiting ones in one transaction,
 * on the connection that owns the file's writes. FTS5 writes a segment and its bookkeeping per
 * transaction, so indexing each message in its send's commit cost every send a quarter of its
 * pages. Returns how many messages it indexed.
 *
 * The transaction does not wait for the disk (synchronous=NORMAL): if the machine loses it, it
 * loses it whole, the messages still wait, and they are indexed again. The next durable commit
 * (every message append is one) flushes it to the disk with its own.
 */
export function indexPendingMessages(db: SqliteDatabase.Database, limit: number): number {
  let step = prepared.get(db);
  if (!step) {
    /** The last of the first `limit` waiting messages (null when none waits). */
    const upToOf = db.prepare<[number], { up_to: number | null }>(
      `select max(message_rowid) as up_to from
       (select message_rowid from messages_fts_pending order by message_rowid limit ?)`,
    );
    const index = db.prepare<[number]>(
      `insert into messages_fts (rowid, content)
       select m.rowid, m.content from messages_fts_pending p join messages m on m.rowid = p.message_rowid
       where p.message_rowid <= ?`,
    );
    const done = db.prepare<[number]>('delete from messages_fts_pending where message_rowid <= ?');
    step = db.transaction((limit: number) => {
      const upTo = upToOf.get(limit)?.up_to;
      if (upTo === null || upTo === undefined) return 0;
      const indexed = index.run(upTo).changes;
      done.run(upTo);
      return indexed;
    });
    prepared.set(db, step);
  }
  const durability = db.pragma('synchronous', { simple: true }) as number;
  db.pragma('synchronous = NORMAL');
  try {
    return step.immediate(limit);
  } finally {
    db.pragma(`synchronous = ${durability}`);
  }
}

/** Indexes every waiting message (also those another process committed), for a search about to run. */
export function indexAllPendingMessages(db: SqliteDatabase.Database): void {
  while (indexPendingMessages(db, ROWS_FOR_A_SEARCH) === ROWS_FOR_A_SEARCH);
}

/**
 * When the writer thread indexes: a while after a message starts waiting, so that one
 * transaction carries many, in steps that let the writes queued meanwhile go first; and whenever
 * a search asks (flush), so that a search finds every message committed before it.
 */
export class SearchIndexSchedule {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stepping = false;

  constructor(
    private readonly db: SqliteDatabase.Database,
    private readonly delayMs = 250,
  ) {}

  /** Messages were committed: they wait for the index. */
  appended(): void {
    if (this.#timer === undefined && !this.#stepping)
      this.#timer = setTimeout(() => this.step(), this.delayMs);
  }

  /** Indexes everything that waits now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    indexAllPendingMessages(this.db);
  }

  /** At start: what a process that stopped left waiting. */
  catchUp(): void {
    this.#timer ??= setTimeout(() => this.step(), 0);
  }

  private step(): void {
    this.#timer = undefined;
    let more = false;
    try {
      more = indexPendingMessages(this.db, ROWS_IN_THE_BACKGROUND) === ROWS_IN_THE_BACKGROUND;
    } catch {
      // The file is busy (another process held its write lock past busy_timeout): the messages
      // keep waiting in the table, and the next try takes them.
      this.appended();
      return;
    }
    if (!more) return;
    // After the writes that came in meanwhile (setImmediate runs after the thread's messages).
    this.#stepping = true;
    setImmediate(() => {
      this.#stepping = false;
      this.step();
    });
  }
}
