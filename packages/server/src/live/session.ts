import type {
  ClientFrame,
  Door,
  ErrorCode,
  Message,
  ServerFrame,
  SessionRevokedEvent,
} from '@carechat/protocol';
import type { Actor } from '../core/actor.js';
import type { LiveConnection } from '../core/connection-lifecycle.js';
import { CoreError } from '../core/errors.js';
import { conversationOfEvent, type DomainEvent, domainEvent, type MessageCreated } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { Core } from '../core/index.js';
import { framesFor } from './event-frames.js';
import { describeFailure, type FailureLog } from './failure.js';
import { dispatchFrame, frameRef } from './frame-actions.js';
import { OrderedDelivery, type Outbound } from './ordered-delivery.js';
import { SerialQueue } from './serial-queue.js';
import type { SlowConsumerPolicy } from './slow-consumer.js';

/** Why the live layer ends a connection; each door says it in its own wire (close code, end). */
export type CloseReason = 'revoked' | 'slow_consumer' | 'not_participant' | 'unresponsive';

/**
 * A door's side of a live session: the codec. It encodes frames (with the domain event they come
 * from, for codecs that need more) into its wire format, reports what it has not yet sent, and
 * ends its connection when told.
 */
export interface LiveSink {
  send(frame: ServerFrame, event?: DomainEvent): void;
  /** Bytes written but not yet sent (slow-consumer policy). */
  bufferedBytes(): number;
  close(reason: CloseReason): void;
  /**
   * Set by codecs that encode messages with more than the message (Socket.IO: the consultation and
   * the sender's role): messages loaded from the store to fill a gap then carry it too.
   */
  readonly needsMessageContext?: boolean;
  /**
   * Set by codecs that speak events no protocol frame carries (Socket.IO: who opened or left a
   * conversation's room); the connection an event came from does not hear it.
   */
  hear?(event: DomainEvent): void;
  /**
   * The wire's heartbeat (a WebSocket ping, an SSE comment). Returns false when the peer has not
   * answered the previous one: the session is then closed as unresponsive.
   */
  heartbeat?(): boolean;
}

export interface LiveSessionOptions {
  door: Door;
  /** Set for per-conversation sockets (/ws/chat/:id): only that conversation's events pass. */
  conversationId?: string | undefined;
  /** Cursor-based doors position every conversation at seq 0 (see OrderedDelivery). */
  startAtFirstSeq?: boolean;
  /**
   * For per-conversation sockets whose clients reconnect without `resume` (seed 004): the
   * session's delivery cursor is where the socket picks up, and what it is known to hold is
   * recorded when it ends (see pickUp, decision 1301).
   */
  resumeFromSessionCursor?: boolean;
  gapWaitMs?: number | undefined;
  slowConsumer: SlowConsumerPolicy;
  /** Failures are logged with the connection's id and door added. */
  log: FailureLog;
  counters?: SessionCounters | undefined;
}

/** What a door's sessions count (metrics), shared by every session of the door. */
export interface SessionCounters {
  /** Every error code sent to a client. */
  error(code: ErrorCode): void;
  /** Every chat_message written. */
  delivered(): void;
}

/** Frames a connection may have waiting before it is told to slow down. */
const MAX_QUEUED_FRAMES = 1000;

type SessionCore = Pick<Core, 'sessions' | 'messages' | 'eventContext' | 'deliveryCursors'> &
  Parameters<typeof dispatchFrame>[0];

/** What a per-conversation socket has been written and is known to hold (resumeFromSessionCursor). */
interface DeliveryMark {
  /** The last seq written to the socket. */
  written: number;
  /** `written` when the last heartbeat ping went out: held once that ping is answered. */
  pinged: number | undefined;
  /** The last seq the client is known to hold (its socket answered a ping sent after it). */
  held: number;
}

/**
 * One live connection, whatever its door: its client's actions run one at a time in arrival order
 * (so a client's sends get seqs in the order it sent them), each after checking that the session
 * is still live; its events reach it in per-conversation seq order, each once (OrderedDelivery);
 * it is cut off when it does not keep up, and closed when its session ends.
 */
export class LiveSession implements LiveConnection {
  readonly id = newId('con');
  readonly #queue = new SerialQueue(MAX_QUEUED_FRAMES);
  readonly #ordered: OrderedDelivery;
  #closed = false;
  #mark: DeliveryMark | undefined;
  /** The user's conversations as the connection opened (position), kept for its first resume. */
  #positions: Map<string, number> | undefined;
  #positionsSeenByBeat = false;

  constructor(
    private readonly core: SessionCore,
    readonly actor: Actor,
    private readonly sink: LiveSink,
    private readonly options: LiveSessionOptions,
  ) {
    // Bound methods rather than closures made here: one session per connection, thousands per node.
    this.#ordered = new OrderedDelivery(this.write.bind(this), {
      fillGap: this.fillGap.bind(this),
      ...(options.startAtFirstSeq ? { startAtFirstSeq: true } : {}),
      ...(options.gapWaitMs === undefined ? {} : { gapWaitMs: options.gapWaitMs }),
    });
  }

  /** The messages strictly between two seqs of a conversation, as events, to fill a gap. */
  private async fillGap(
    conversationId: string,
    afterSeq: number,
    beforeSeq: number,
  ): Promise<MessageCreated[]> {
    const { actor } = this;
    const messages = await this.core.messages.between(actor, conversationId, afterSeq, beforeSeq);
    // Only codecs that say so pay for the context look-ups (one per conversation and sender).
    return this.sink.needsMessageContext
      ? this.core.eventContext.eventsFor(actor.userId, messages)
      : messages.map((message) => domainEvent('message.created', [actor.userId], { message }));
  }

  get door(): Door {
    return this.options.door;
  }

  get conversationId(): string | undefined {
    return this.options.conversationId;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** A domain event for this connection's user (from the hub). */
  deliver(event: DomainEvent): void {
    if (this.#closed) return;
    const only = this.options.conversationId;
    if (only !== undefined) {
      const conversationId = conversationOfEvent(event);
      if (conversationId !== undefined && conversationId !== only) return;
    }
    if (event.kind === 'room.changed') {
      if (event.exceptConnectionId !== this.id) this.sink.hear?.(event);
      return;
    }
    // A conversation made after the connection opened starts where it was made (its first
    // message next), like the ones positioned at the opening: not at whichever message is heard
    // first. One already resumed or under way is left as it is.
    if (event.kind === 'conversation.created')
      this.#ordered.position(event.conversation.id, event.conversation.last_seq);
    for (const frame of framesFor(event, { userId: this.actor.userId, connectionId: this.id })) {
      this.#ordered.push(frame, event);
    }
  }

  /** The session ended: the client is told why, then its door closes the connection. */
  revoke(
    reason: SessionRevokedEvent['reason'],
    sessionIds: readonly string[] = [this.actor.sessionId],
  ): void {
    if (this.#closed) return;
    this.write({ frame: { type: 'session_revoked', session_ids: [...sessionIds], reason } });
    this.sink.close('revoked');
  }

  /**
   * Runs one client action in this connection's serial queue, after the session check every
   * action but a ping makes (the session must still be live, and stays so).
   */
  perform<T>(work: () => Promise<T>, options: { usesSession?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queued = this.#queue.push(async () => {
        try {
          if (options.usesSession !== false) await this.checkSession();
          resolve(await work());
        } catch (error) {
          reject(error);
        }
      });
      if (!queued) reject(new CoreError('rate_limited', 'Too many frames waiting; slow down.'));
    });
  }

  /** A client frame of /ws and /ws/chat (decoded by the door), answered on this connection. */
  receive(frame: ClientFrame): void {
    this.perform(() => this.act(frame), { usesSession: frame.type !== 'ping' }).catch((error: unknown) =>
      this.fail(error, frameRef(frame)),
    );
  }

  /**
   * The answer to this connection's own send, in seq order with the rest; `event` carries what a
   * codec needs beyond the message (Socket.IO's consultation and sender role).
   */
  ack(message: Message, event?: MessageCreated): void {
    this.#ordered.pushAck({ type: 'message_sent', ...message }, event);
  }

  /** Sends a frame that is not part of the event stream (pong, error, resumed). */
  reply(frame: ServerFrame): void {
    this.write({ frame });
  }

  /** Replays a conversation into this connection (see OrderedDelivery.resume); returns the last seq held. */
  replay(conversationId: string, afterSeq: number, pages: AsyncIterable<Message[]>): Promise<number> {
    return this.#ordered.resume(conversationId, afterSeq, pages);
  }

  /** Loads what the bus may have lost while it was away (see OrderedDelivery.catchUp). */
  catchUp(): Promise<void> {
    return this.#ordered.catchUp();
  }

  /** What a client is told about a failed action: the refusal's code, or `internal` (logged by kind). */
  fail(error: unknown, ref?: string): { code: ErrorCode; message: string; retryAfter?: number } {
    const { log, door } = this.options;
    const failure = describeFailure(
      error,
      { error: (details, message) => log.error({ conn: this.id, door, ...details }, message) },
      'frame',
    );
    this.error(failure.code, failure.message, ref, failure.retryAfter);
    return failure;
  }

  error(code: ErrorCode, message: string, ref?: string, retryAfter?: number): void {
    this.options.counters?.error(code);
    this.reply({
      type: 'error',
      code,
      message,
      ...(ref === undefined ? {} : { ref }),
      ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
    });
  }

  /** The wire heartbeat; false when the connection was found unresponsive and closed. */
  heartbeat(): boolean {
    // A client that has not resumed a heartbeat interval after it opened will not need the
    // positions read then: an idle connection holds nothing it does not use. (The first beat may
    // come a moment after the opening, as the timer is shared: the second one drops them.)
    if (this.#positionsSeenByBeat) this.#positions = undefined;
    this.#positionsSeenByBeat = this.#positions !== undefined;
    if (this.#closed || !this.sink.heartbeat) return true;
    if (this.sink.heartbeat()) {
      // The previous ping was answered: everything written before it reached the client (a
      // socket delivers in order), so its place moves there.
      const mark = this.#mark;
      if (mark) {
        if (mark.pinged !== undefined && mark.pinged > mark.held) mark.held = mark.pinged;
        mark.pinged = mark.written;
      }
      return true;
    }
    this.sink.close('unresponsive');
    return false;
  }

  /**
   * Where the connection starts in each conversation, once it hears the hub: a per-conversation
   * socket whose client never says what it holds picks up from its session's cursor (pickUp);
   * cursor-based doors position themselves (CursorStream); any other connection starts at the
   * end of each of the user's conversations as it opens (position).
   */
  start(): Promise<void> {
    if (this.options.resumeFromSessionCursor) return this.pickUp();
    if (this.options.startAtFirstSeq) return Promise.resolve();
    return this.position();
  }

  /**
   * Reads the end of each of the user's conversations and starts there, holding messages
   * meanwhile. Without it a conversation started at the first message heard, and a message that
   * another node published first (seq 2 before seq 1) made the connection skip the one before
   * for good. A client that then resumes replays from its own cursor as usual. When the store does
   * not answer, conversations start at seq 1 or, after a wait for the seqs before it, at the first
   * message heard (OrderedDelivery).
   */
  private position(): Promise<void> {
    this.#ordered.holdAll();
    const only = this.options.conversationId;
    return this.perform(
      async () => {
        try {
          const positions = await this.core.messages.positions(this.actor);
          this.#positions = positions;
          for (const [conversationId, lastSeq] of positions) {
            if (only === undefined || conversationId === only)
              this.#ordered.position(conversationId, lastSeq);
          }
        } catch {
          // Positions are an improvement on first-heard; without the store they are not to be had.
        } finally {
          this.#ordered.releaseAll();
        }
      },
      { usesSession: false },
    );
  }

  /**
   * For a client that reconnects without `resume` (resumeFromSessionCursor): replays what the
   * session's socket of this conversation is not known to hold, before anything the client sends.
   * Messages it had got but not confirmed come again; clients that merge by message_id (seed 004's
   * hook does) show them once.
   */
  private pickUp(): Promise<void> {
    const conversationId = this.options.conversationId;
    if (conversationId === undefined) return Promise.resolve();
    return this.perform(async () => {
      const { from, lastSeq } = await this.core.deliveryCursors.start(this.actor, conversationId);
      this.#mark = { written: from, pinged: undefined, held: from };
      // Anything committed after this is heard live: the session joined the hub before.
      if (lastSeq > from)
        await this.replay(conversationId, from, this.core.messages.replay(this.actor, conversationId, from));
      else this.#ordered.position(conversationId, lastSeq);
    });
  }

  /** Records where a picked-up socket's client is known to be, as it ends (see pickUp). */
  async rememberDelivery(): Promise<void> {
    const conversationId = this.options.conversationId;
    if (!this.#mark || conversationId === undefined) return;
    await this.core.deliveryCursors.remember(this.actor, conversationId, this.#mark.held);
  }

  /** Resolves once no action is waiting or running (graceful shutdown). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** No more events; actions already received still finish (see idle). */
  close(): void {
    this.#closed = true;
    this.#ordered.close();
  }

  private async checkSession(): Promise<void> {
    let role: Actor['role'];
    try {
      ({ role } = await this.core.sessions.check(this.actor));
    } catch (error) {
      this.revoke('expired');
      throw error;
    }
    // Admitted under another role than the user has now: the connection ends (it acts as admitted).
    if (role !== this.actor.role) {
      this.revoke('access_changed');
      throw new CoreError('unauthenticated', 'Your role changed; sign in again.');
    }
  }

  private async act(frame: ClientFrame): Promise<void> {
    // The positions serve the resume that typically follows the opening at once, then go: a node
    // holds tens of thousands of connections.
    const positions = this.#positions;
    this.#positions = undefined;
    if (frame.type === 'resume') {
      await this.resume(frame.cursors, positions);
      return;
    }
    const outcome = await dispatchFrame(this.core, this.actor, frame, {
      pathConversationId: this.options.conversationId,
      connectionId: this.id,
    });
    // Everything else a connection hears of its own frames comes through the bus with the others.
    if (outcome.kind === 'sent') this.ack(outcome.message);
    else if (outcome.kind === 'pong') this.reply({ type: 'pong' });
  }

  private async resume(
    cursors: Record<string, number>,
    positions?: ReadonlyMap<string, number>,
  ): Promise<void> {
    const held: Record<string, number> = {};
    // A per-conversation socket only carries its own conversation.
    const only = this.options.conversationId;
    const named = Object.keys(cursors).filter((id) => only === undefined || id === only);
    // One query and at most one refusal (and audit row) for the whole frame, however many ids.
    let own = named;
    let refused: string[] = [];
    try {
      ({ own, refused } = await this.core.messages.resumable(this.actor, named, positions));
    } catch {
      // The store is away: each replay below fails on its own, with its conversation as `ref`, so
      // the client knows what to fill later (as before the check).
    }
    for (const conversationId of own) {
      const afterSeq = cursors[conversationId]!;
      try {
        // The positions read as the socket opened say where each conversation ended: a cursor
        // there has nothing to replay (the connection hears everything after it live).
        held[conversationId] = await this.replay(
          conversationId,
          afterSeq,
          this.core.messages.replay(this.actor, conversationId, afterSeq, positions?.get(conversationId)),
        );
      } catch (error) {
        this.fail(error, conversationId);
      }
    }
    if (refused.length > 0) {
      this.error(
        'not_participant',
        refused.length === 1
          ? 'You are not a participant of this conversation.'
          : `${refused.length} of these conversations are not yours; they are left out of resumed.`,
        refused.length === 1 ? refused[0] : undefined,
      );
    }
    this.reply({ type: 'resumed', cursors: held });
  }

  private write(out: Outbound): void {
    if (this.#closed) return;
    if (this.options.slowConsumer.isSlow(this.sink.bufferedBytes())) {
      this.sink.close('slow_consumer');
      return;
    }
    this.sink.send(out.frame, out.event);
    if (out.frame.type === 'chat_message') this.options.counters?.delivered();
    const mark = this.#mark;
    if (
      mark &&
      (out.frame.type === 'chat_message' || out.frame.type === 'message_sent') &&
      out.frame.seq > mark.written
    )
      mark.written = out.frame.seq;
  }
}
