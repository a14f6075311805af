import type { Message } from '@carechat/protocol';
import { CarechatError } from './errors.js';
import type { HttpApi } from './http-api.js';
import type { Timers } from './platform.js';
import { Timeline } from './timeline.js';

/** History pages used to fill gaps. */
const PAGE = 200;

export type FillResult = 'ok' | 'lost' | 'failed';

export interface MessageSyncOptions {
  api: HttpApi;
  timers: Timers;
  /** How long a gap may wait for the live stream to close it before history is asked. */
  gapWaitMs: number;
  onMessage(message: Message): void;
  onLost(conversationId: string): void;
}

/**
 * The client's copy of every tracked conversation. Messages from any source (live, replay, an
 * acknowledgement, history) go through `ingest`, which hands the app each one once, in seq order;
 * a gap that does not close by itself is filled from `GET …/messages?after_seq=`.
 */
export class MessageSync {
  readonly #timelines = new Map<string, Timeline>();
  readonly #gapTimers = new Map<string, unknown>();
  readonly #filling = new Map<string, Promise<FillResult>>();
  #closed = false;

  constructor(private readonly o: MessageSyncOptions) {}

  timeline(conversationId: string): Timeline {
    let timeline = this.#timelines.get(conversationId);
    if (!timeline) {
      timeline = new Timeline(conversationId);
      this.#timelines.set(conversationId, timeline);
    }
    return timeline;
  }

  has(conversationId: string): boolean {
    return this.#timelines.get(conversationId)?.isPositioned ?? false;
  }

  /** The last contiguous seq of every tracked conversation: what a resume asks to continue from. */
  cursors(): Record<string, number> {
    const cursors: Record<string, number> = {};
    for (const [id, timeline] of this.#timelines) {
      if (timeline.lastSeq !== undefined) cursors[id] = timeline.lastSeq;
    }
    return cursors;
  }

  ingest(message: Message): void {
    const timeline = this.timeline(message.conversation_id);
    for (const fresh of timeline.accept(message)) this.o.onMessage(fresh);
    if (timeline.hasGap) this.scheduleFill(message.conversation_id);
  }

  forget(conversationId: string): void {
    this.#timelines.delete(conversationId);
    this.o.timers.clearTimeout(this.#gapTimers.get(conversationId));
    this.#gapTimers.delete(conversationId);
  }

  /**
   * Loads from history everything after the last contiguous seq, up to the newest message.
   * Concurrent calls for one conversation share one fill.
   */
  fill(conversationId: string): Promise<FillResult> {
    const running = this.#filling.get(conversationId);
    if (running) return running;
    const fill = this.doFill(conversationId).finally(() => this.#filling.delete(conversationId));
    this.#filling.set(conversationId, fill);
    return fill;
  }

  close(): void {
    this.#closed = true;
    for (const handle of this.#gapTimers.values()) this.o.timers.clearTimeout(handle);
    this.#gapTimers.clear();
  }

  private scheduleFill(conversationId: string): void {
    if (this.#gapTimers.has(conversationId) || this.#closed) return;
    const handle = this.o.timers.setTimeout(() => {
      this.#gapTimers.delete(conversationId);
      if (!this.#timelines.get(conversationId)?.hasGap) return;
      void this.fill(conversationId).then((result) => {
        // Still a hole (history failed): try again later rather than hold messages forever.
        if (result === 'failed' && this.#timelines.get(conversationId)?.hasGap)
          this.scheduleFill(conversationId);
      });
    }, this.o.gapWaitMs);
    this.#gapTimers.set(conversationId, handle);
  }

  private async doFill(conversationId: string): Promise<FillResult> {
    const timeline = this.timeline(conversationId);
    try {
      for (;;) {
        if (this.#closed) return 'failed';
        const after = timeline.lastSeq ?? 0;
        const page = await this.o.api.history(conversationId, { afterSeq: after, limit: PAGE });
        if (!timeline.isPositioned) timeline.position(after);
        for (const message of page.messages) this.ingest(message);
        if (!page.has_more || page.messages.length === 0) return 'ok';
      }
    } catch (error) {
      if (error instanceof CarechatError && error.code === 'not_participant') {
        this.forget(conversationId);
        this.o.onLost(conversationId);
        return 'lost';
      }
      return 'failed';
    }
  }
}
