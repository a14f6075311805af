import type { ErrorCode, Role } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { ConversationRecord, ParticipantRecord, UserRecord } from './ports/store.js';

/** Whom a user may find (search): everyone, or these users plus everyone with these roles. */
export type Visibility =
  | { everyone: true }
  | { everyone: false; userIds: readonly string[]; roles: readonly Role[] };

/**
 * Whether the relationship behind a conversation holds, and until when: `code` is null while it
 * holds (otherwise the code a send gets), `openUntil` the instant it ends unless something changes
 * (null: no end in sight, or already ended).
 */
export interface Hold {
  code: ErrorCode | null;
  openUntil: string | null;
}

export const HOLDS_INDEFINITELY: Hold = { code: null, openUntil: null };

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
   * Whether the relationship behind a conversation still holds, and until when. A closed schedule
   * window is a pause, not an ended relationship, so it is not reported here. Drives the
   * conversation list's `state` and `open_until`, and group membership changes: `addedBy` names who
   * is adding each newcomer (practitioner id → the adder's id).
   */
  relationship(
    conversation: ConversationRecord,
    participants: readonly ParticipantRecord[],
    addedBy?: ReadonlyMap<string, string>,
  ): Promise<Hold>;
  visibility(actor: Actor): Promise<Visibility>;
  /**
   * Whether a patient is a patient of a team (a practice) with these members: a relationship of
   * their own with the patient, held by any member (the one that lasts longest). Decides who may
   * open a practice conversation and what its members hold by (docs/decisions/1401).
   */
  teamHold(patientId: string, memberIds: readonly string[]): Promise<Hold>;
}

/** `open`: any two users who can find each other may talk. */
export const openPolicy: MessagingPolicy = {
  name: 'open',
  async checkStart() {},
  async checkSend() {},
  async relationship() {
    return HOLDS_INDEFINITELY;
  },
  async visibility() {
    return { everyone: true };
  },
  async teamHold() {
    return HOLDS_INDEFINITELY;
  },
};
