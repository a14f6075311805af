/**
 * A connection's work, run one item at a time in arrival order (so a client's sends get seqs in
 * the order it sent them), with a bound on how much may wait.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;

  constructor(private readonly limit: number) {}

  /** Queues work; false when the queue is full (the caller answers `rate_limited`). */
  push(work: () => Promise<void>): boolean {
    if (this.#waiting >= this.limit) return false;
    this.#waiting += 1;
    this.#tail = this.#tail.then(async () => {
      try {
        await work();
      } catch {
        // Work reports its own failures; one failure must not stop the items behind it.
      } finally {
        this.#waiting -= 1;
      }
    });
    return true;
  }

  /** Resolves once nothing waits or runs (graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#waiting > 0) await this.#tail;
  }
}
