import type { Timers } from '../../src/platform.js';

/** A clock and timers a test moves by hand: nothing happens until `advance`. */
export class ManualTimers implements Timers {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  constructor(start = Date.parse('2026-01-05T10:00:00.000Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers due within `ms`, in time order; promise callbacks settle between them. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      await settle();
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
    }
    this.#now = until;
    await settle();
  }

  /** How many timers are waiting (for assertions that nothing is scheduled). */
  get pending(): number {
    return this.#timers.size;
  }
}

/** Lets every pending promise callback run (one macrotask turn, no time passes for the client). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
