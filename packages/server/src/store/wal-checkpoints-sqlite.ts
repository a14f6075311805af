import type SqliteDatabase from 'better-sqlite3';

/**
 * WAL pages past which a connection still checkpoints at the end of its own commit: a safety net
 * only. The writer thread checkpoints long before (WalCheckpoints), so the WAL stays far smaller.
 */
const SAFETY_NET_PAGES = 10_000;

/**
 * Every connection to a file whose writer thread checkpoints: SQLite's own checkpoint (every 1,000
 * WAL pages, by whichever connection commits past them) would otherwise run inside a commit, and
 * the messages of that commit would wait for it (2–3 ms, a tenth of the commits of lone sends),
 * or the event loop would, when the main connection commits an action.
 */
export function leaveCheckpointsToTheWriter(db: SqliteDatabase.Database): void {
  db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
}

/**
 * The writer thread's checkpoints: copying the WAL's pages back into the database file (and
 * flushing it) happens after the commits it follows have been answered, and after the writes that
 * came in meanwhile, at most every `everyMs`. The writer runs it between its own transactions, so
 * no commit is written during a checkpoint and SQLite can start the WAL over at the next one
 * (a checkpoint on another connection, under steady writes, would seldom catch up, and the WAL
 * would grow).
 */
export class WalCheckpoints {
  #scheduled = false;
  #last = 0;

  constructor(
    private readonly db: SqliteDatabase.Database,
    private readonly everyMs = 100,
  ) {
    leaveCheckpointsToTheWriter(db);
  }

  /** Something was committed: a checkpoint is due after it. */
  committed(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = Math.max(0, this.#last + this.everyMs - performance.now());
    // The timer, then setImmediate: the thread's waiting messages (writes) run between the two.
    setTimeout(() => setImmediate(() => this.run()), wait);
  }

  private run(): void {
    this.#scheduled = false;
    this.#last = performance.now();
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy (another process checkpoints): the next commit schedules another.
    }
  }
}
