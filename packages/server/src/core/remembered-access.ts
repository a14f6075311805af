import { type ConversationAccess, readConversation } from './access.js';
import type { Actor } from './actor.js';
import { CoreError } from './errors.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { ConversationRecord, ParticipantRecord, Store } from './ports/store.js';

/** How long a conversation's participant list serves sends without being read again. */
const DEFAULT_TTL_MS = 1000;
/** Conversations remembered at most (then the memory starts again). */
const MAX_CONVERSATIONS = 50_000;

interface Known {
  conversation: ConversationRecord;
  participants: ParticipantRecord[];
  from: number;
  until: number;
}

/**
 * The access check of the actions every message brings — its send, and each receiving device's
 * delivery receipt — without a store read per message: a conversation and its participants,
 * remembered for a second. A steady conversation's sends read nothing from the store before their
 * append (issue 17, point 2; decision 1705), and its receipts nothing before their write.
 *
 * What keeps it right:
 * - the append itself refuses a sender who is not a participant as its own transaction sees it
 *   (AppendRefusedError), so a removal that committed anywhere wins over a remembered list, even
 *   while the bus that announces it is away;
 * - the events that change who is in a conversation or what it allows (a participant joining or
 *   leaving, its state changing, an appointment moving, a user's access changing) forget it on
 *   every node, and so does a bus that recovers from an outage (it may have lost some);
 * - what no event announces (a participant muting it, read markers moving) is at most the TTL old,
 *   and a fresh message's rendering does not depend on it.
 */
export class RememberedAccess {
  readonly #known = new Map<string, Known>();

  constructor(private readonly d: { store: Store; bus: Bus; clock: Clock; ttlMs?: number }) {
    d.bus.subscribe((event) => {
      switch (event.kind) {
        case 'participant.joined':
        case 'participant.left':
        case 'conversation.state_changed':
          this.#known.delete(event.conversationId);
          break;
        case 'appointment.updated':
        case 'user.access_changed':
          this.#known.clear();
      }
    });
    d.bus.onRecovered?.(() => this.#known.clear());
  }

  /** As accessConversation (core/access.ts): a missing conversation and one the actor is not in answer alike. */
  async check(actor: Actor, conversationId: string): Promise<ConversationAccess> {
    const now = this.d.clock.now().getTime();
    const remembered = this.#known.get(conversationId);
    let known = remembered && now >= remembered.from && now < remembered.until ? remembered : undefined;
    let self = known?.participants.find((p) => p.userId === actor.userId);
    // Not in the remembered list: perhaps added a moment ago on another node, whose event is on
    // its way. A refusal is always decided on a fresh read.
    if (!self) {
      known = await this.load(conversationId, now);
      self = known.participants.find((p) => p.userId === actor.userId);
      if (!self) throw new CoreError('not_participant');
    }
    return { conversation: known!.conversation, participants: known!.participants, self };
  }

  /** The store said otherwise (an append was refused): read it again next time. */
  forget(conversationId: string): void {
    this.#known.delete(conversationId);
  }

  /**
   * A participant's marker as the store now holds it, after a receipt moved it: a receipt for the
   * same seq that comes within the second on this node is then not announced again. Markers only
   * move forward, so the remembered one never goes back.
   */
  noteMarker(
    conversationId: string,
    userId: string,
    marker: 'lastReadSeq' | 'lastDeliveredSeq',
    seq: number,
  ): void {
    const known = this.#known.get(conversationId);
    const at = known?.participants.findIndex((p) => p.userId === userId) ?? -1;
    if (!known || at < 0 || known.participants[at]![marker] >= seq) return;
    // A new row and list: what check() handed out before stays as it was.
    known.participants = known.participants.map((p, i) => (i === at ? { ...p, [marker]: seq } : p));
  }

  private async load(conversationId: string, now: number): Promise<Known> {
    const found = await readConversation(this.d.store, conversationId);
    if (!found) throw new CoreError('not_participant');
    if (this.#known.size >= MAX_CONVERSATIONS) this.#known.clear();
    const known = { ...found, from: now, until: now + (this.d.ttlMs ?? DEFAULT_TTL_MS) };
    this.#known.set(conversationId, known);
    return known;
  }
}
