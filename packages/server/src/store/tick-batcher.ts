interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the small writes of one turn of the event loop (read and delivery markers, sessions'
 * last use) into one write, so one commit carries them all, like the group commit of messages:
 * under load every device acknowledges every message it receives and every returning socket
 * touches its session, and a commit each would cost a disk flush each. Each caller gets its own
 * item's result.
 */
export class TickBatcher<I, O> {
  #queue: Array<Waiting<I, O>> = [];
  #scheduled = false;

  constructor(private readonly write: (items: readonly I[]) => Promise<O[]>) {}

  add(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        const batch = this.#queue;
        this.#queue = [];
        this.write(batch.map((w) => w.item)).then(
          (results) => {
            for (const [i, w] of batch.entries()) w.resolve(results[i]!);
          },
          (error: unknown) => {
            for (const w of batch) w.reject(error);
          },
        );
      });
    });
  }
}
