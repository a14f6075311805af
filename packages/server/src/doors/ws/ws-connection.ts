import { type ClientFrame, decodeClientFrame, type ErrorCode } from '@carechat/protocol';
import type { Actor } from '../../core/actor.js';
import { CoreError, isCoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import type { Subscriber } from '../../core/subscriber.js';

/** The client's own id for a frame, echoed in an error about it. */
function refOf(frame: ClientFrame): string | undefined {
  if ('client_msg_id' in frame) return frame.client_msg_id;
  if ('message_id' in frame) return frame.message_id;
  return undefined;
}

/** Frames a connection may have waiting before it is told to slow down. */
const MAX_QUEUED_FRAMES = 1000;

export interface ConnectionLog {
  error(details: object, message: string): void;
}

/**
 * One WebSocket's client frames, decoded at the edge and turned into core calls. Frames are
 * handled one at a time, in arrival order, so a client's sends get seqs in the order it sent them.
 */
export class WsConnection {
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;

  constructor(
    private readonly core: Core,
    private readonly actor: Actor,
    private readonly subscriber: Subscriber,
    private readonly log: ConnectionLog,
  ) {}

  receive(text: string): void {
    // Decoding is synchronous: a malformed frame is answered at once and never takes a queue place.
    const decoded = decodeClientFrame(text);
    if (!decoded.ok) {
      this.error('invalid_request', decoded.message, decoded.ref);
      return;
    }
    if (this.#queued >= MAX_QUEUED_FRAMES) {
      this.error('rate_limited', 'Too many frames waiting; slow down.', refOf(decoded.frame));
      return;
    }
    this.#queued += 1;
    this.#queue = this.#queue.then(async () => {
      try {
        await this.dispatch(decoded.frame);
      } catch (error) {
        this.fail(error, refOf(decoded.frame));
      } finally {
        this.#queued -= 1;
      }
    });
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    const { core, actor, subscriber } = this;
    switch (frame.type) {
      case 'chat_message': {
        const { message } = await core.messages.send(
          actor,
          this.conversationFor(frame.conversation_id),
          {
            clientMsgId: frame.client_msg_id,
            content: frame.content,
            replyTo: frame.reply_to,
            attachments: frame.attachments,
          },
          { connectionId: subscriber.id },
        );
        subscriber.pushAck({ type: 'message_sent', ...message });
        return;
      }
      case 'typing_indicator':
        await core.typing.set(
          actor,
          this.conversationFor(frame.conversation_id),
          frame.is_typing,
          subscriber.id,
        );
        return;
      case 'read_receipt':
        await core.receipts.markRead(actor, this.receiptTarget(frame));
        return;
      case 'delivery_receipt':
        await core.receipts.markDelivered(actor, this.receiptTarget(frame));
        return;
      case 'add_reaction':
        await core.reactions.add(actor, frame.message_id, frame.emoji);
        return;
      case 'remove_reaction':
        await core.reactions.remove(actor, frame.message_id, frame.emoji);
        return;
      case 'edit_message':
        await core.messages.edit(actor, frame.message_id, frame.content);
        return;
      case 'delete_message':
        await core.messages.delete(actor, frame.message_id);
        return;
      case 'resume':
        await this.resume(frame.cursors);
        return;
      case 'ping':
        subscriber.reply({ type: 'pong' });
        return;
    }
  }

  private async resume(cursors: Record<string, number>): Promise<void> {
    const held: Record<string, number> = {};
    for (const [conversationId, afterSeq] of Object.entries(cursors)) {
      // A per-conversation socket only carries its own conversation.
      if (this.subscriber.conversationId !== undefined && conversationId !== this.subscriber.conversationId)
        continue;
      try {
        held[conversationId] = await this.subscriber.resume(
          conversationId,
          afterSeq,
          this.core.messages.replay(this.actor, conversationId, afterSeq),
        );
      } catch (error) {
        this.fail(error, conversationId);
      }
    }
    this.subscriber.reply({ type: 'resumed', cursors: held });
  }

  /** A receipt by message_id alone (seed 004's) finds its conversation through the message. */
  private receiptTarget(frame: {
    conversation_id?: string | undefined;
    seq?: number | undefined;
    message_id?: string | undefined;
  }) {
    const byMessageOnly = frame.conversation_id === undefined && frame.message_id !== undefined;
    return {
      conversationId: byMessageOnly
        ? this.subscriber.conversationId
        : this.conversationFor(frame.conversation_id),
      seq: frame.seq,
      messageId: frame.message_id,
    };
  }

  /** The conversation a frame is about: its own field, or the one the socket's path names. */
  private conversationFor(fromFrame: string | undefined): string {
    const fromPath = this.subscriber.conversationId;
    if (fromPath !== undefined && fromFrame !== undefined && fromFrame !== fromPath) {
      throw new CoreError('invalid_request', 'This socket carries one conversation only.');
    }
    const conversationId = fromFrame ?? fromPath;
    if (conversationId === undefined)
      throw new CoreError('invalid_request', 'conversation_id is required on /ws.');
    return conversationId;
  }

  private fail(error: unknown, ref: string | undefined): void {
    if (isCoreError(error)) {
      this.error(error.code, error.message, ref);
      return;
    }
    const kind = error instanceof Error ? error.name : typeof error;
    this.log.error(
      { err: { type: kind, stack: error instanceof Error ? error.stack : undefined } },
      'frame failed',
    );
    this.error('internal', 'Something went wrong on the server.', ref);
  }

  private error(code: ErrorCode, message: string, ref?: string): void {
    this.subscriber.reply({ type: 'error', code, message, ...(ref === undefined ? {} : { ref }) });
  }
}
