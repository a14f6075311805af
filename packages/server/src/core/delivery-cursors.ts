import { accessConversation } from './access.js';
import type { Actor } from './actor.js';
import type { Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';

/**
 * Where a per-conversation socket of a session picks up when its client only reconnects, without
 * saying what it holds (seed 004's hook sends no `resume`): the last seq a socket of the same
 * session was known to hold (decision 1301). Forward only; per session, so a second device (its
 * own session) keeps its own place.
 */
export class DeliveryCursorService {
  constructor(
    private readonly d: {
      store: Store;
      clock: Clock;
      /** No session lives longer: a cursor not saved for this long belongs to an ended one. */
      sessionTtlDays: number;
    },
  ) {}

  /**
   * Where to pick up: `from`, the session's recorded cursor, or the conversation's last seq when it
   * has none (a first connection starts from now), and `lastSeq`, the conversation's end now (there
   * is something to replay when it is past `from`). A first starting point is recorded at once, so
   * a node that dies before the socket closes still leaves the client a place to resume from.
   */
  async start(actor: Actor, conversationId: string): Promise<{ from: number; lastSeq: number }> {
    const { conversation } = await accessConversation(this.d.store, actor, conversationId);
    const { lastSeq } = conversation;
    const saved = await this.d.store.findDeliveryCursor(actor.sessionId, conversationId);
    if (saved !== undefined) return { from: Math.min(saved, lastSeq), lastSeq };
    await this.remember(actor, conversationId, lastSeq);
    // A new session of the conversation is the moment to drop those of sessions long ended.
    const ended = this.d.clock.now().getTime() - this.d.sessionTtlDays * 86_400_000;
    await this.d.store.deleteDeliveryCursorsBefore(conversationId, new Date(ended).toISOString());
    return { from: lastSeq, lastSeq };
  }

  /** Records that the session's socket holds the conversation up to `seq` (forward only). */
  async remember(actor: Actor, conversationId: string, seq: number): Promise<void> {
    await this.d.store.saveDeliveryCursor(
      actor.sessionId,
      conversationId,
      seq,
      this.d.clock.now().toISOString(),
    );
  }
}
