import type { ErrorCode, Role } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { ConversationRecord, ParticipantRecord, UserRecord } from './ports/store.js';

/** Whom a user may find (search): everyone, or these users plus everyone with these roles. */
export type Visibility =
  | { everyone: true }
  | { everyone: false; userIds: readonly string[]; roles: readonly Role[] };

/**
 * Who may start and write a conversation. Implementations throw a CoreError with the specific code
 * (`no_care_relationship`, `appointment_not_accepted`, …) when they refuse. The core services call
 * the policy, so every door gets the same rules.
 */
export interface MessagingPolicy {
  readonly name: string;
  checkStart(actor: Actor, others: readonly UserRecord[], appointmentId: string | null): Promise<void>;
  checkSend(
    actor: Actor,
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<void>;
  /**
   * Whether the relationship behind a conversation still holds: null if it does, otherwise the code
   * a send would get. A closed schedule window is a pause, not an ended relationship, so it is not
   * reported here. Drives the conversation list's `state` and group membership changes.
   */
  relationship(
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
  ): Promise<ErrorCode | null>;
  visibility(actor: Actor): Promise<Visibility>;
}

/** `open`: any two users who can find each other may talk. */
export const openPolicy: MessagingPolicy = {
  name: 'open',
  async checkStart() {},
  async checkSend() {},
  async relationship() {
    return null;
  },
  async visibility() {
    return { everyone: true };
  },
};
