/** The fallback doors' open responses, so a shutdown can end them (an SSE stream never ends by itself). */
export class OpenChannels {
  readonly #enders = new Set<() => void>();

  get size(): number {
    return this.#enders.size;
  }

  /** Returns the function that forgets it (call when the response ends by itself). */
  track(end: () => void): () => void {
    this.#enders.add(end);
    return () => this.#enders.delete(end);
  }

  closeAll(): void {
    for (const end of [...this.#enders]) end();
    this.#enders.clear();
  }
}
