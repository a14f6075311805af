import type { Message } from '@carechat/protocol';

/**
 * One conversation as this client holds it: messages in seq order, each once. A message that
 * arrives ahead of a gap waits until the gap is filled (from the live stream, a replay, or history);
 * `accept` returns the messages that have just become contiguous, which is what the app is told.
 */
export class Timeline {
  /** Every message held, oldest first: the contiguous run up to `lastSeq`, plus older pages loaded. */
  readonly messages: Message[] = [];
  readonly #ids = new Set<string>();
  readonly #ahead = new Map<number, Message>();
  #lastSeq: number | undefined;

  constructor(readonly conversationId: string) {}

  /** The last seq held with nothing missing before it (down to where tracking began). */
  get lastSeq(): number | undefined {
    return this.#lastSeq;
  }

  get isPositioned(): boolean {
    return this.#lastSeq !== undefined;
  }

  /** The oldest seq held, for loading older pages. */
  get firstSeq(): number | undefined {
    return this.messages[0]?.seq;
  }

  /** True while a message is held back waiting for earlier ones. */
  get hasGap(): boolean {
    return this.#ahead.size > 0;
  }

  /** The seqs missing before the held-back messages, as [after, before) for a history query. */
  gap(): { afterSeq: number; beforeSeq: number } | undefined {
    if (this.#ahead.size === 0 || this.#lastSeq === undefined) return undefined;
    return { afterSeq: this.#lastSeq, beforeSeq: Math.min(...this.#ahead.keys()) };
  }

  /**
   * Starts tracking after `seq` (0: from the first message) unless already tracking. Messages
   * before it are history, loaded on request, never announced as new.
   */
  position(seq: number): void {
    if (this.#lastSeq !== undefined) return;
    this.#lastSeq = seq;
    this.drain([]);
  }

  has(messageId: string): boolean {
    return this.#ids.has(messageId);
  }

  /** Takes a message from any source; returns those now in order and new to the app. */
  accept(message: Message): Message[] {
    if (this.#ids.has(message.message_id)) return [];
    // An untracked conversation starts at the first message seen.
    if (this.#lastSeq === undefined) this.#lastSeq = message.seq - 1;
    if (message.seq <= this.#lastSeq) return [];
    if (message.seq > this.#lastSeq + 1) {
      this.#ahead.set(message.seq, message);
      return [];
    }
    const fresh: Message[] = [];
    this.append(message, fresh);
    return this.drain(fresh);
  }

  /** Older messages from history (before firstSeq), kept but not announced. */
  prepend(older: readonly Message[]): Message[] {
    const first = this.firstSeq ?? (this.#lastSeq ?? 0) + 1;
    const added = older.filter((m) => m.seq < first && !this.#ids.has(m.message_id));
    for (const m of added) this.#ids.add(m.message_id);
    this.messages.unshift(...added.sort((a, b) => a.seq - b.seq));
    return added;
  }

  /** Applies an edit or a delete to a held message; returns the updated message. */
  update(messageId: string, change: Partial<Message>): Message | undefined {
    const index = this.messages.findIndex((m) => m.message_id === messageId);
    if (index < 0) return undefined;
    const updated = { ...this.messages[index]!, ...change };
    this.messages[index] = updated;
    return updated;
  }

  private append(message: Message, into: Message[]): void {
    this.#ids.add(message.message_id);
    this.messages.push(message);
    this.#lastSeq = message.seq;
    into.push(message);
  }

  private drain(into: Message[]): Message[] {
    for (;;) {
      const next = this.#ahead.get((this.#lastSeq ?? 0) + 1);
      if (!next) break;
      this.#ahead.delete(next.seq);
      if (!this.#ids.has(next.message_id)) this.append(next, into);
      else this.#lastSeq = next.seq;
    }
    // Anything at or below lastSeq left in ahead is stale now.
    for (const seq of this.#ahead.keys()) if (seq <= (this.#lastSeq ?? 0)) this.#ahead.delete(seq);
    return into;
  }
}
