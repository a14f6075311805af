import type { Actor } from './actor.js';
import type { MessagingPolicy } from './policy.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { ConversationRecord, ParticipantRecord } from './ports/store.js';

/** How long a send allowed by the policy stays allowed without asking it again. */
const DEFAULT_TTL_MS = 1000;
/** Verdicts remembered at most (then the memory starts again). */
const MAX_VERDICTS = 50_000;

/**
 * The policy's "yes" to a sender in a conversation, remembered for a second, so that a steady
 * conversation does not read appointments, consultations, blocks and schedules from the store on
 * every message. Only a "yes" is remembered: a refusal always asks the policy (and is audited).
 *
 * Kept current by the domain events that can change a verdict, on every node: an appointment's
 * move, a conversation's state (an end, a block added or lifted), a participant joining or
 * leaving, a user's role changing, and a bus that recovers from an outage (it may have lost some)
 * forget them. The participant list is read fresh on every send and must match the remembered
 * one, so membership changes apply at once. What no event announces (the clock passing a schedule
 * window's edge, a schedule edited) is at most the TTL late.
 */
export class SendVerdicts implements MessagingPolicy {
  readonly #allowed = new Map<string, { members: string; from: number; until: number }>();

  constructor(
    private readonly policy: MessagingPolicy,
    private readonly d: { bus: Bus; clock: Clock; ttlMs?: number },
  ) {
    d.bus.subscribe((event) => {
      switch (event.kind) {
        case 'appointment.updated':
        case 'conversation.state_changed':
        case 'participant.joined':
        case 'participant.left':
        case 'user.access_changed':
          this.#allowed.clear();
      }
    });
    d.bus.onRecovered?.(() => this.#allowed.clear());
  }

  get name(): string {
    return this.policy.name;
  }

  async checkSend(
    actor: Actor,
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<void> {
    const key = `${conversation.id} ${actor.userId} ${actor.role}`;
    const members = membersOf(participants);
    const now = this.d.clock.now().getTime();
    const known = this.#allowed.get(key);
    if (known && known.members === members && known.from <= now && now < known.until) return;
    await this.policy.checkSend(actor, conversation, participants);
    if (this.#allowed.size >= MAX_VERDICTS) this.#allowed.clear();
    this.#allowed.set(key, { members, from: now, until: now + (this.d.ttlMs ?? DEFAULT_TTL_MS) });
  }

  checkStart: MessagingPolicy['checkStart'] = (actor, others, appointmentId) =>
    this.policy.checkStart(actor, others, appointmentId);

  relationship: MessagingPolicy['relationship'] = (conversation, participants, addedBy) =>
    this.policy.relationship(conversation, participants, addedBy);

  visibility: MessagingPolicy['visibility'] = (actor) => this.policy.visibility(actor);

  teamHold: MessagingPolicy['teamHold'] = (patientId, memberIds) =>
    this.policy.teamHold(patientId, memberIds);
}

function membersOf(participants: readonly ParticipantRecord[]): string {
  let ids = '';
  for (const p of participants) ids += `${p.userId} `;
  return ids;
}
