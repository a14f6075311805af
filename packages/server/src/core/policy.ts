import type { ConversationRecord, ParticipantRecord, UserRecord } from '../store/store.js';
import type { Actor } from './actor.js';

/**
 * Who may start and write a conversation. Implementations throw a CoreError with the specific code
 * (`no_care_relationship`, `appointment_not_accepted`, …) when they refuse.
 */
export interface MessagingPolicy {
  readonly name: string;
  checkStart(actor: Actor, others: readonly UserRecord[], appointmentId: string | null): Promise<void>;
  checkSend(
    actor: Actor,
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<void>;
}

/** `open`: any two users who can find each other may talk. */
export const openPolicy: MessagingPolicy = {
  name: 'open',
  async checkStart() {},
  async checkSend() {},
};
