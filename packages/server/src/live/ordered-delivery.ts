import type { ChatMessageEvent, Message, MessageSentEvent, ServerFrame } from '@carechat/protocol';
import type { DomainEvent, MessageCreated } from '../core/events.js';

type SequencedFrame = ChatMessageEvent | MessageSentEvent;

/** A frame on its way to a connection, with the domain event it encodes when it comes from one. */
export interface Outbound {
  frame: ServerFrame;
  event?: DomainEvent | undefined;
}

export interface OrderedDeliveryOptions {
  /**
   * Loads the messages with afterSeq < seq < beforeSeq as events, to fill a gap the bus left.
   */
  fillGap: (conversationId: string, afterSeq: number, beforeSeq: number) => Promise<MessageCreated[]>;
  /** How long an out-of-order message waits for the ones before it before they are loaded. */
  gapWaitMs?: number;
  /**
   * A conversation this connection was never positioned in starts at seq 1 rather than at the
   * first message that happens to arrive: the client holds nothing of it, so anything before is a
   * gap to fill. For cursor-based doors (SSE, long-poll), which position every known conversation.
   */
  startAtFirstSeq?: boolean;
}

interface Sequenced {
  frame: SequencedFrame;
  event?: DomainEvent | undefined;
}

interface Stream {
  /**
   * The seq this connection expects next; unknown until the conversation is positioned (at the
   * opening, by its announcement, by a resume), its seq 1 arrives, or the wait for either runs out.
   */
  next: number | undefined;
  /** The first seq delivered live before any resume: firstLive..next-1 are already on the socket. */
  firstLive: number | undefined;
  /** Messages that arrived ahead of a gap, by seq. */
  pending: Map<number, Sequenced>;
  /** While a resume replays history, live messages wait here. */
  held: Array<{ item: Sequenced; ack: boolean }> | undefined;
  gapTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * One connection's view of the message stream. It hands the connection every conversation's
 * messages in seq order, each once: duplicates (retries, replays) are dropped, messages that
 * overtook others on the bus wait for them, and a gap that does not close by itself is filled
 * from the store. Every live session has one (live/session.ts).
 */
export class OrderedDelivery {
  readonly #streams = new Map<string, Stream>();
  /** While the connection's positions are read (holdAll), every conversation's messages wait here. */
  #heldAll: Array<{ item: Sequenced; ack: boolean }> | undefined;
  #closed = false;

  constructor(
    private readonly send: (out: Outbound) => void,
    private readonly options: OrderedDeliveryOptions,
  ) {}

  /** A frame of the event stream: messages are put in order, anything else passes at once. */
  push(frame: ServerFrame, event?: DomainEvent): void {
    if (this.#closed) return;
    if (frame.type === 'chat_message' || frame.type === 'message_sent')
      this.pushSequenced({ frame, event }, false);
    else this.send({ frame, event });
  }

  /**
   * The answer to this connection's own send. Sent even when the seq was seen before: a client
   * retrying a send must get its acknowledgement.
   */
  pushAck(frame: MessageSentEvent, event?: DomainEvent): void {
    if (!this.#closed) this.pushSequenced({ frame, event }, true);
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
            this.send({ frame: { type: 'chat_message', ...message } });
          last = message.seq;
        }
      }
    } finally {
      const held = stream.held ?? [];
      stream.held = undefined;
      stream.next = Math.max(last + 1, liveTo);
      stream.firstLive = undefined;
      for (const seq of stream.pending.keys()) if (seq < stream.next) stream.pending.delete(seq);
      for (const { item, ack } of held) this.pushSequenced(item, ack);
      this.drain(stream);
      // A gap fill that came due during the replay stood aside (see fillGap): it is due now.
      if (stream.pending.size > 0) this.scheduleGapFill(conversationId, stream);
    }
    return last;
  }

  /**
   * Holds every conversation's messages until releaseAll: the connection's starting positions are
   * being read, and a message that overtook another on the bus must not set one.
   */
  holdAll(): void {
    this.#heldAll ??= [];
  }

  /**
   * Starts a conversation at the seq after `lastSeq`, its end when the connection opened: a
   * message that arrives later with a higher seq waits for those before it, or has them loaded,
   * instead of starting the conversation where it happens to be. Messages held meanwhile that are
   * older than that still go out (they reached this connection live, as they always did). A
   * conversation already resumed or under way is left as it is.
   */
  position(conversationId: string, lastSeq: number): void {
    const stream = this.stream(conversationId);
    if (stream.next !== undefined || stream.held) return;
    let next = lastSeq + 1;
    for (const { item } of this.#heldAll ?? []) {
      if (item.frame.conversation_id === conversationId && item.frame.seq < next) next = item.frame.seq;
    }
    // Messages that arrived before the position (see pushSequenced) went nowhere yet: the same.
    for (const seq of stream.pending.keys()) if (seq < next) next = seq;
    stream.next = next;
    stream.firstLive = next;
    this.drain(stream);
  }

  /** Lets the messages held since holdAll through, in the order they arrived. */
  releaseAll(): void {
    const held = this.#heldAll;
    this.#heldAll = undefined;
    for (const { item, ack } of held ?? []) this.pushSequenced(item, ack);
  }

  /**
   * Loads whatever this connection may have missed in the conversations it follows, after the bus
   * lost events (Redis was away). Messages it already holds are dropped as usual.
   */
  async catchUp(): Promise<void> {
    for (const [conversationId, stream] of [...this.#streams]) {
      if (this.#closed) return;
      if (stream.next === undefined || stream.held) continue;
      let missing: MessageCreated[];
      try {
        missing = await this.options.fillGap(conversationId, stream.next - 1, Number.MAX_SAFE_INTEGER);
      } catch {
        continue;
      }
      for (const event of missing) this.pushSequenced(asReceived(event), false);
    }
  }

  close(): void {
    this.#closed = true;
    this.#heldAll = undefined;
    for (const stream of this.#streams.values()) clearTimeout(stream.gapTimer);
    this.#streams.clear();
  }

  private pushSequenced(item: Sequenced, ack: boolean): void {
    if (this.#heldAll) {
      this.#heldAll.push({ item, ack });
      return;
    }
    const { frame } = item;
    const stream = this.stream(frame.conversation_id);
    if (stream.held) {
      stream.held.push({ item, ack });
      return;
    }
    // A conversation nothing has positioned yet (one the user joined after this connection
    // opened, or any when the opening's positions could not be read) starts at its seq 1 at once.
    // A later seq waits like a message after a gap: for its announcement to position the
    // conversation, or for the seqs before it. Starting at it instead, a message that overtook
    // seq 1 and the announcement on the bus (published by other nodes) made the connection skip
    // seq 1 for good.
    if (frame.seq === (stream.next ?? 1)) {
      if (stream.next === undefined) stream.firstLive = frame.seq;
      this.send(item);
      stream.next = frame.seq + 1;
      this.drain(stream);
    } else if (stream.next !== undefined && frame.seq < stream.next) {
      if (ack) this.send(item);
    } else {
      stream.pending.set(frame.seq, item);
      this.scheduleGapFill(frame.conversation_id, stream);
    }
  }

  private drain(stream: Stream): void {
    while (stream.next !== undefined) {
      const item = stream.pending.get(stream.next);
      if (!item) break;
      stream.pending.delete(stream.next);
      this.send(item);
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
    if (this.#closed || stream.pending.size === 0 || stream.held) return;
    if (stream.next === undefined) {
      // Nothing positioned the conversation in time: it starts at the earliest message heard, the
      // connection's first of it. What came before was never this connection's to hold.
      this.position(conversationId, Math.min(...stream.pending.keys()) - 1);
      if (stream.pending.size > 0) this.scheduleGapFill(conversationId, stream);
      return;
    }
    const upTo = Math.min(...stream.pending.keys());
    let missing: MessageCreated[];
    try {
      missing = await this.options.fillGap(conversationId, stream.next - 1, upTo);
    } catch {
      // Access may have ended, or the store is briefly away: deliver what we have; the client
      // notices the gap and fills it from history.
      missing = [];
    }
    if (this.#closed || stream.next === undefined) return;
    for (const event of missing) {
      if (event.message.seq < stream.next) continue;
      this.send(asReceived(event));
      stream.next = event.message.seq + 1;
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

/** A stored message, loaded to fill a gap, is delivered as received (as it was before). */
function asReceived(event: MessageCreated): Sequenced {
  return { frame: { type: 'chat_message', ...event.message }, event };
}
