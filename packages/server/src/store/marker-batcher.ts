import type { MarkerAdvance } from './marker-advance-sqlite.js';

interface Waiting {
  advance: MarkerAdvance;
  resolve: (stored: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the marker moves of one turn of the event loop into one write (one commit), like the
 * group commit of messages: under load every device acknowledges every message it receives, and
 * a commit each would cost a disk flush each. Each caller gets its marker as stored after.
 */
export class MarkerBatcher {
  #queue: Waiting[] = [];
  #scheduled = false;

  constructor(private readonly write: (advances: readonly MarkerAdvance[]) => Promise<number[]>) {}

  advance(advance: MarkerAdvance): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ advance, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        const batch = this.#queue;
        this.#queue = [];
        this.write(batch.map((w) => w.advance)).then(
          (stored) => {
            for (const [i, w] of batch.entries()) w.resolve(stored[i]!);
          },
          (error: unknown) => {
            for (const w of batch) w.reject(error);
          },
        );
      });
    });
  }
}
