import type { AppendResult, CommitObserver, NewMessage } from '../core/ports/message-store.js';

/** The most messages written by one transaction; more wait for the next one. */
const MAX_BATCH = 256;

/** PostgreSQL batches written at once per process (SQLite has one writer: one). */
export const MAX_BATCHES_IN_FLIGHT = 4;

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
    /** The dialect's one append path: a batch in one transaction, a result (or error) per input. */
    private readonly writeBatch: (inputs: readonly NewMessage[]) => Promise<Array<AppendResult | Error>>,
    /** One message alone, when a batch fails as a whole (a race with another node). */
    private readonly appendOne: (input: NewMessage) => Promise<AppendResult>,
    maxInFlight: number,
  ) {
    this.#maxInFlight = maxInFlight;
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
      results = await this.writeBatch(batch.map((p) => p.input));
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
