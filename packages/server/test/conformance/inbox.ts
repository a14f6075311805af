/**
 * Frames a real client has received, taken one at a time by the test: each frame is returned at
 * most once, to the first `take` that matches it, whatever order the waits come in.
 */
export class Inbox<T> {
  readonly #taken = new Set<number>();

  constructor(private readonly received: () => readonly T[]) {}

  async take(match: (frame: T) => boolean, timeoutMs = 5000, what = 'a frame'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frames = this.received();
      for (let i = 0; i < frames.length; i++) {
        if (!this.#taken.has(i) && match(frames[i]!)) {
          this.#taken.add(i);
          return frames[i]!;
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(frames).slice(0, 600)}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Whether a matching frame has arrived (taken or not). */
  has(match: (frame: T) => boolean): boolean {
    return this.received().some(match);
  }
}
