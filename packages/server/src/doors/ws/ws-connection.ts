import { type ClientFrame, decodeClientFrame, type ErrorCode } from '@carechat/protocol';
import type { Actor } from '../../core/actor.js';
import type { Core } from '../../core/index.js';
import type { Subscriber } from '../../core/subscriber.js';
import { describeFailure, type FailureLog } from '../failure.js';
import { dispatchFrame, frameRef } from '../frame-dispatch.js';
import { SerialQueue } from '../serial-queue.js';

/** Frames a connection may have waiting before it is told to slow down. */
const MAX_QUEUED_FRAMES = 1000;

export type ConnectionLog = FailureLog;

/**
 * One WebSocket's client frames, decoded at the edge and turned into core calls. Frames are
 * handled one at a time, in arrival order, so a client's sends get seqs in the order it sent them.
 */
export class WsConnection {
  readonly #queue = new SerialQueue(MAX_QUEUED_FRAMES);

  constructor(
    private readonly core: Core,
    private readonly actor: Actor,
    private readonly subscriber: Subscriber,
    private readonly log: ConnectionLog,
    /** Told the code of every error frame sent (metrics). */
    private readonly onError: (code: ErrorCode) => void = () => {},
  ) {}

  /** Resolves once no frame is waiting or being handled (graceful shutdown). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  receive(text: string): void {
    // Decoding is synchronous: a malformed frame is answered at once and never takes a queue place.
    const decoded = decodeClientFrame(text);
    if (!decoded.ok) {
      this.error('invalid_request', decoded.message, decoded.ref);
      return;
    }
    const frame = decoded.frame;
    const queued = this.#queue.push(async () => {
      try {
        await this.dispatch(frame);
      } catch (error) {
        this.fail(error, frameRef(frame));
      }
    });
    if (!queued) this.error('rate_limited', 'Too many frames waiting; slow down.', frameRef(frame));
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
    const { code, message, retryAfter } = describeFailure(error, this.log, 'frame');
    this.error(code, message, ref, retryAfter);
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
