import {
  type ChatMessageEvent,
  conversationOf,
  type Message,
  type MessageSentEvent,
  type ServerFrame,
  type SessionRevokedEvent,
} from '@carechat/protocol';
import type { Actor } from './actor.js';
import { newId } from './ids.js';

type SequencedFrame = ChatMessageEvent | MessageSentEvent;

/** Where a subscriber's frames go: one connection of one door. */
export interface FrameSink {
  send(frame: ServerFrame): void;
  /** The connection's session has ended: the door closes the connection (4401 on sockets). */
  revoked?(frame: SessionRevokedEvent): void;
}

export interface SubscriberOptions {
  /** Set for per-conversation sockets (/ws/chat/:id): only that conversation's events pass. */
  conversationId?: string;
  /** Loads the messages with afterSeq < seq < beforeSeq, to fill a gap the bus left. */
  fillGap: (conversationId: string, afterSeq: number, beforeSeq: number) => Promise<Message[]>;
  /** How long an out-of-order message waits for the ones before it before they are loaded. */
  gapWaitMs?: number;
  /**
   * A conversation this connection was never positioned in starts at seq 1 rather than at the
   * first message that happens to arrive: the client holds nothing of it, so anything before is a
   * gap to fill. For cursor-based doors (SSE, long-poll), which position every known conversation.
   */
  startAtFirstSeq?: boolean;
}

interface Stream {
  /** The seq this connection expects next; unknown until its first message or resume. */
  next: number | undefined;
  /** The first seq delivered live before any resume: firstLive..next-1 are already on the socket. */
  firstLive: number | undefined;
  /** Messages that arrived ahead of a gap, by seq. */
  pending: Map<number, SequencedFrame>;
  /** While a resume replays history, live messages wait here. */
  held: Array<{ frame: SequencedFrame; ack: boolean }> | undefined;
  gapTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * One connection's view of the event stream. It hands the connection every conversation's
 * messages in seq order, each once: duplicates (retries, replays) are dropped, messages that
 * overtook others on the bus wait for them, and a gap that does not close by itself is filled
 * from the store. Doors create one per connection; the hub feeds it.
 */
export class Subscriber {
  readonly id = newId('con');
  readonly #streams = new Map<string, Stream>();
  #closed = false;

  constructor(
    readonly actor: Actor,
    private readonly sink: FrameSink,
    private readonly options: SubscriberOptions,
  ) {}

  get conversationId(): string | undefined {
    return this.options.conversationId;
  }

  /** An event from the bus for this connection's user. */
  push(frame: ServerFrame): void {
    if (this.#closed) return;
    const conversationId = conversationOf(frame);
    if (
      this.options.conversationId !== undefined &&
      conversationId !== undefined &&
      conversationId !== this.options.conversationId
    ) {
      return;
    }
    if (frame.type === 'chat_message' || frame.type === 'message_sent') this.pushSequenced(frame, false);
    else this.sink.send(frame);
  }

  /** The connection's session was revoked: it is told why, then its door closes it. */
  revoke(frame: SessionRevokedEvent): void {
    if (this.#closed) return;
    this.sink.send(frame);
    this.sink.revoked?.(frame);
  }

  /**
   * The answer to this connection's own send. Sent even when the seq was seen before: a client
   * retrying a send must get its acknowledgement.
   */
  pushAck(frame: MessageSentEvent): void {
    if (!this.#closed) this.pushSequenced(frame, true);
  }

  /** Sends a frame that is not part of the event stream (pong, error, resumed). */
  reply(frame: ServerFrame): void {
    if (!this.#closed) this.sink.send(frame);
  }

  /**
   * Replays a conversation from history while holding back its live messages, then lets them
   * through in order. Returns the last seq the connection now holds.
   */
  async resume(conversationId: string, afterSeq: number, pages: AsyncIterable<Message[]>): Promise<number> {
    const stream = this.stream(conversationId);
    stream.held ??= [];
    // Messages that reached the socket live before this resume are not sent a second time.
    const liveFrom = stream.firstLive ?? Number.POSITIVE_INFINITY;
    const liveTo = stream.next ?? 0;
    let last = afterSeq;
    try {
      for await (const page of pages) {
        for (const message of page) {
          if (this.#closed) return last;
          if (message.seq < liveFrom || message.seq >= liveTo)
            this.sink.send({ type: 'chat_message', ...message });
          last = message.seq;
        }
      }
    } finally {
      const held = stream.held ?? [];
      stream.held = undefined;
      stream.next = Math.max(last + 1, liveTo);
      stream.firstLive = undefined;
      for (const seq of stream.pending.keys()) if (seq < stream.next) stream.pending.delete(seq);
      for (const { frame, ack } of held) this.pushSequenced(frame, ack);
      this.drain(stream);
      // A gap fill that came due during the replay stood aside (see fillGap): it is due now.
      if (stream.pending.size > 0) this.scheduleGapFill(conversationId, stream);
    }
    return last;
  }

  /**
   * Loads whatever this connection may have missed in the conversations it follows, after the bus
   * lost events (Redis was away). Messages it already holds are dropped as usual.
   */
  async catchUp(): Promise<void> {
    for (const [conversationId, stream] of [...this.#streams]) {
      if (this.#closed) return;
      if (stream.next === undefined || stream.held) continue;
      let missing: Message[];
      try {
        missing = await this.options.fillGap(conversationId, stream.next - 1, Number.MAX_SAFE_INTEGER);
      } catch {
        continue;
      }
      for (const message of missing) this.pushSequenced({ type: 'chat_message', ...message }, false);
    }
  }

  close(): void {
    this.#closed = true;
    for (const stream of this.#streams.values()) clearTimeout(stream.gapTimer);
    this.#streams.clear();
  }

  private pushSequenced(frame: SequencedFrame, ack: boolean): void {
    const stream = this.stream(frame.conversation_id);
    if (stream.held) {
      stream.held.push({ frame, ack });
      return;
    }
    if (stream.next === undefined || frame.seq === stream.next) {
      if (stream.next === undefined) stream.firstLive = frame.seq;
      this.sink.send(frame);
      stream.next = frame.seq + 1;
      this.drain(stream);
    } else if (frame.seq < stream.next) {
      if (ack) this.sink.send(frame);
    } else {
      stream.pending.set(frame.seq, frame);
      this.scheduleGapFill(frame.conversation_id, stream);
    }
  }

  private drain(stream: Stream): void {
    while (stream.next !== undefined) {
      const frame = stream.pending.get(stream.next);
      if (!frame) break;
      stream.pending.delete(stream.next);
      this.sink.send(frame);
      stream.next += 1;
    }
    if (stream.pending.size === 0) {
      clearTimeout(stream.gapTimer);
      stream.gapTimer = undefined;
    }
  }

  private scheduleGapFill(conversationId: string, stream: Stream): void {
    if (stream.gapTimer !== undefined) return;
    stream.gapTimer = setTimeout(() => {
      stream.gapTimer = undefined;
      void this.fillGap(conversationId, stream);
    }, this.options.gapWaitMs ?? 250);
  }

  private async fillGap(conversationId: string, stream: Stream): Promise<void> {
    if (this.#closed || stream.next === undefined || stream.pending.size === 0 || stream.held) return;
    const upTo = Math.min(...stream.pending.keys());
    let missing: Message[];
    try {
      missing = await this.options.fillGap(conversationId, stream.next - 1, upTo);
    } catch {
      // Access may have ended, or the store is briefly away: deliver what we have; the client
      // notices the gap and fills it from history.
      missing = [];
    }
    if (this.#closed || stream.next === undefined) return;
    for (const message of missing) {
      if (message.seq < stream.next) continue;
      this.sink.send({ type: 'chat_message', ...message });
      stream.next = message.seq + 1;
    }
    if (stream.next < upTo) stream.next = upTo;
    for (const seq of stream.pending.keys()) if (seq < stream.next) stream.pending.delete(seq);
    this.drain(stream);
  }

  private stream(conversationId: string): Stream {
    let stream = this.#streams.get(conversationId);
    if (!stream) {
      stream = {
        next: this.options.startAtFirstSeq ? 1 : undefined,
        firstLive: undefined,
        pending: new Map(),
        held: undefined,
        gapTimer: undefined,
      };
      this.#streams.set(conversationId, stream);
    }
    return stream;
  }
}
