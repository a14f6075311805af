import { type ClientFrame, decodeClientFrame, type ErrorCode } from '@carechat/protocol';
import type { Actor } from '../../core/actor.js';
import { isCoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import type { Subscriber } from '../../core/subscriber.js';
import { dispatchFrame, frameRef } from '../frame-dispatch.js';

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
    /** Told the code of every error frame sent (metrics). */
    private readonly onError: (code: ErrorCode) => void = () => {},
  ) {}

  /** Resolves once no frame is waiting or being handled (graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#queued > 0) await this.#queue;
  }

  receive(text: string): void {
    // Decoding is synchronous: a malformed frame is answered at once and never takes a queue place.
    const decoded = decodeClientFrame(text);
    if (!decoded.ok) {
      this.error('invalid_request', decoded.message, decoded.ref);
      return;
    }
    if (this.#queued >= MAX_QUEUED_FRAMES) {
      this.error('rate_limited', 'Too many frames waiting; slow down.', frameRef(decoded.frame));
      return;
    }
    this.#queued += 1;
    this.#queue = this.#queue.then(async () => {
      try {
        await this.dispatch(decoded.frame);
      } catch (error) {
        this.fail(error, frameRef(decoded.frame));
      } finally {
        this.#queued -= 1;
      }
    });
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    // Every frame but a ping is a use of the session: it must still be live (and it stays so).
    if (frame.type !== 'ping') {
      try {
        await this.core.sessions.check(this.actor);
      } catch (error) {
        this.subscriber.revoke({
          type: 'session_revoked',
          session_ids: [this.actor.sessionId],
          reason: 'expired',
        });
        throw error;
      }
    }
    if (frame.type === 'resume') {
      await this.resume(frame.cursors);
      return;
    }
    const outcome = await dispatchFrame(this.core, this.actor, frame, {
      pathConversationId: this.subscriber.conversationId,
      connectionId: this.subscriber.id,
    });
    // Everything else a socket hears of its own frames comes through the bus with the others.
    if (outcome.kind === 'sent') this.subscriber.pushAck({ type: 'message_sent', ...outcome.message });
    else if (outcome.kind === 'pong') this.subscriber.reply({ type: 'pong' });
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

  private fail(error: unknown, ref: string | undefined): void {
    if (isCoreError(error)) {
      this.error(error.code, error.message, ref, error.retryAfter);
      return;
    }
    const kind = error instanceof Error ? error.name : typeof error;
    this.log.error(
      { err: { type: kind, stack: error instanceof Error ? error.stack : undefined } },
      'frame failed',
    );
    this.error('internal', 'Something went wrong on the server.', ref);
  }

  private error(code: ErrorCode, message: string, ref?: string, retryAfter?: number): void {
    this.onError(code);
    this.subscriber.reply({
      type: 'error',
      code,
      message,
      ...(ref === undefined ? {} : { ref }),
      ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
    });
  }
}
