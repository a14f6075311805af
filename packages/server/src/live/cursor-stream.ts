import { type EventCursor, encodeEventCursor, type Message, type ServerFrame } from '@carechat/protocol';
import type { Actor } from '../core/actor.js';
import { isCoreError } from '../core/errors.js';
import type { DomainEvent } from '../core/events.js';
import type { Core } from '../core/index.js';
import type { LiveLayer, OpenOptions } from './live-layer.js';
import type { LiveSession, LiveSink } from './session.js';

/**
 * The event stream of one cursor-based client (a Server-Sent Events response or one long-poll).
 * It is a live session like any WebSocket's, so it carries the same events with the same
 * ordering, access and cut-off rules; on top it keeps the cursor: the last seq the client holds
 * of each conversation, which is all it takes to resume exactly on any node.
 */
export class CursorStream {
  readonly #seqs = new Map<string, number>();
  #session: LiveSession | undefined;
  #all = true;
  #state: 'new' | 'open' | 'closed' = 'new';

  constructor(
    private readonly live: LiveLayer,
    private readonly core: Pick<Core, 'store' | 'messages' | 'conversations'>,
    readonly actor: Actor,
    /** The door's codec; `send` is called once the cursor covers the frame. */
    private readonly sink: LiveSink,
    private readonly options: Omit<OpenOptions, 'startAtFirstSeq' | 'conversationId'>,
  ) {}

  /**
   * Opens the live session and brings the client up to date from `cursor` (none: from now).
   * Resolves once every conversation has been replayed; live events flow meanwhile, in order.
   */
  async open(cursor: EventCursor | undefined): Promise<void> {
    if (this.#state !== 'new') throw new Error('a cursor stream opens once');
    const rows = await this.core.store.listConversationsOfUser(this.actor.userId);
    if (this.#state !== 'new') return;
    this.#state = 'open';
    this.#all = cursor?.all ?? true;

    const { sink } = this;
    // From here to the last replay() call there is no await: every conversation is held before
    // the first live event can reach the session, so none slips past its replay.
    const session = this.live.open(
      this.actor,
      {
        send: (frame, event) => this.forward(frame, event),
        bufferedBytes: () => sink.bufferedBytes(),
        close: (reason) => sink.close(reason),
        ...(sink.heartbeat ? { heartbeat: () => sink.heartbeat!() } : {}),
        ...(sink.needsMessageContext ? { needsMessageContext: true } : {}),
      },
      { ...this.options, startAtFirstSeq: true },
    );
    this.#session = session;
    const known = new Set<string>();
    const replays: Array<Promise<unknown>> = [];
    for (const { conversation } of rows) {
      const id = conversation.id;
      known.add(id);
      const held = cursor?.seqs[id];
      if (held !== undefined) {
        replays.push(this.replay(session, id, Math.min(held, conversation.lastSeq), false));
      } else if (cursor?.all) {
        // Not in a complete cursor: the conversation is new to this client.
        replays.push(this.replay(session, id, 0, true));
      } else {
        this.#seqs.set(id, conversation.lastSeq);
        replays.push(session.replay(id, conversation.lastSeq, none()));
      }
    }
    // The same answer as for any conversation the user is not in, once for all of them; they
    // leave the cursor.
    const unknown = Object.keys(cursor?.seqs ?? {}).filter((id) => !known.has(id));
    if (unknown.length > 0) {
      this.core.messages.refuseResume(this.actor, unknown);
      this.refuse(unknown);
    }
    await Promise.all(replays);
  }

  /** The cursor after every sequenced frame handed to the sink so far. */
  cursor(): string {
    return encodeEventCursor({ seqs: this.seqs(), all: this.#all });
  }

  seqs(): Record<string, number> {
    return Object.fromEntries(this.#seqs);
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#session) this.live.end(this.#session);
    // Never opened: the place admission took is given back here.
    else this.options.release();
  }

  private replay(
    session: LiveSession,
    conversationId: string,
    afterSeq: number,
    announce: boolean,
  ): Promise<void> {
    this.#seqs.set(conversationId, afterSeq);
    const { core, actor } = this;
    const forward = (frame: ServerFrame) => this.forward(frame, undefined);
    async function* pages(): AsyncGenerator<Message[]> {
      if (announce)
        forward({
          type: 'conversation_created',
          conversation: await core.conversations.get(actor, conversationId),
        });
      yield* core.messages.replay(actor, conversationId, afterSeq);
    }
    return session.replay(conversationId, afterSeq, pages()).then(
      () => undefined,
      (error: unknown) => {
        // Left the conversation meanwhile: say so and drop it. Anything else (the store briefly
        // away) fails the whole open, and the client resumes again from the same cursor.
        if (isCoreError(error) && error.code === 'not_participant') this.refuse([conversationId]);
        else throw error;
      },
    );
  }

  /** One error for every conversation of the cursor that is not the user's (`ref` when just one). */
  private refuse(conversationIds: readonly string[]): void {
    for (const id of conversationIds) this.#seqs.delete(id);
    const one = conversationIds.length === 1 ? conversationIds[0] : undefined;
    this.sink.send({
      type: 'error',
      code: 'not_participant',
      message:
        one !== undefined
          ? 'You are not a participant of this conversation.'
          : `${conversationIds.length} conversations of this cursor are not yours; they leave the cursor.`,
      ...(one !== undefined ? { ref: one } : {}),
    });
  }

  private forward(frame: ServerFrame, event: DomainEvent | undefined): void {
    if (this.#state === 'closed') return;
    if (frame.type === 'chat_message' || frame.type === 'message_sent') {
      const held = this.#seqs.get(frame.conversation_id) ?? 0;
      if (frame.seq > held) this.#seqs.set(frame.conversation_id, frame.seq);
    }
    this.sink.send(frame, event);
  }
}

/** Whether a frame moves the cursor (SSE gives those an `id:`). */
export function isSequenced(frame: ServerFrame): boolean {
  return frame.type === 'chat_message' || frame.type === 'message_sent';
}

async function* none(): AsyncGenerator<Message[]> {}
