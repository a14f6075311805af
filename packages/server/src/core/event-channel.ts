import { type EventCursor, encodeEventCursor, type Message, type ServerFrame } from '@carechat/protocol';
import type { Actor } from './actor.js';
import { isCoreError } from './errors.js';
import type { Core } from './index.js';
import { Subscriber } from './subscriber.js';

/** Where a channel's frames go; `sequenced` frames (messages) move the cursor. */
export type ChannelSink = (frame: ServerFrame, sequenced: boolean) => void;

export interface EventChannelOptions {
  gapWaitMs?: number;
  /** The session ended: the door ends the stream or answers the poll (the client then gets 401). */
  onRevoked?: () => void;
}

/**
 * The event stream of one cursor-based client (a Server-Sent Events response or one long-poll).
 * It is a Subscriber like any WebSocket, registered with the hub, so it carries the same events
 * with the same ordering and access rules; on top it keeps the cursor: the last seq the client
 * holds of each conversation, which is all it takes to resume exactly on any node.
 */
export class EventChannel {
  readonly #seqs = new Map<string, number>();
  readonly #subscriber: Subscriber;
  #all = true;
  #state: 'new' | 'open' | 'closed' = 'new';

  constructor(
    private readonly core: Pick<Core, 'store' | 'hub' | 'messages' | 'conversations'>,
    readonly actor: Actor,
    private readonly sink: ChannelSink,
    options: EventChannelOptions = {},
  ) {
    this.#subscriber = new Subscriber(
      actor,
      { send: (frame) => this.forward(frame), revoked: () => options.onRevoked?.() },
      {
        fillGap: (id, after, before) => core.messages.between(actor, id, after, before),
        startAtFirstSeq: true,
        ...(options.gapWaitMs === undefined ? {} : { gapWaitMs: options.gapWaitMs }),
      },
    );
  }

  /**
   * Registers with the hub and brings the client up to date from `cursor` (none: from now).
   * Resolves once every conversation has been replayed; live events flow meanwhile, in order.
   */
  async open(cursor: EventCursor | undefined): Promise<void> {
    if (this.#state !== 'new') throw new Error('an event channel opens once');
    const rows = await this.core.store.listConversationsOfUser(this.actor.userId);
    if (this.#state !== 'new') return;
    this.#state = 'open';
    this.#all = cursor?.all ?? true;

    // From here to the last resume() call there is no await: every conversation is held before
    // the first live event can reach the subscriber, so none slips past its replay.
    void this.core.hub.add(this.#subscriber);
    const known = new Set<string>();
    const replays: Array<Promise<unknown>> = [];
    for (const { conversation } of rows) {
      const id = conversation.id;
      known.add(id);
      const held = cursor?.seqs[id];
      if (held !== undefined) {
        replays.push(this.replay(id, Math.min(held, conversation.lastSeq), false));
      } else if (cursor?.all) {
        // Not in a complete cursor: the conversation is new to this client.
        replays.push(this.replay(id, 0, true));
      } else {
        this.#seqs.set(id, conversation.lastSeq);
        replays.push(this.#subscriber.resume(id, conversation.lastSeq, none()));
      }
    }
    for (const id of Object.keys(cursor?.seqs ?? {})) {
      // The same answer as for any conversation the user is not in; it leaves the cursor.
      if (!known.has(id)) this.refuse(id);
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
    void this.core.hub.remove(this.#subscriber);
    this.#subscriber.close();
  }

  private replay(conversationId: string, afterSeq: number, announce: boolean): Promise<void> {
    this.#seqs.set(conversationId, afterSeq);
    const { core, actor } = this;
    const forward = (frame: ServerFrame) => this.forward(frame);
    async function* pages(): AsyncGenerator<Message[]> {
      if (announce)
        forward({
          type: 'conversation_created',
          conversation: await core.conversations.get(actor, conversationId),
        });
      yield* core.messages.replay(actor, conversationId, afterSeq);
    }
    return this.#subscriber.resume(conversationId, afterSeq, pages()).then(
      () => undefined,
      (error: unknown) => {
        // Left the conversation meanwhile: say so and drop it. Anything else (the store briefly
        // away) fails the whole open, and the client resumes again from the same cursor.
        if (isCoreError(error) && error.code === 'not_participant') this.refuse(conversationId);
        else throw error;
      },
    );
  }

  private refuse(conversationId: string): void {
    this.#seqs.delete(conversationId);
    this.sink(
      {
        type: 'error',
        code: 'not_participant',
        message: 'You are not a participant of this conversation.',
        ref: conversationId,
      },
      false,
    );
  }

  private forward(frame: ServerFrame): void {
    if (this.#state === 'closed') return;
    const sequenced = frame.type === 'chat_message' || frame.type === 'message_sent';
    if (sequenced) {
      const held = this.#seqs.get(frame.conversation_id) ?? 0;
      if (frame.seq > held) this.#seqs.set(frame.conversation_id, frame.seq);
    }
    this.sink(frame, sequenced);
  }
}

async function* none(): AsyncGenerator<Message[]> {}
