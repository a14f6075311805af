import type { ErrorCode } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { AuditFields, AuditLog } from './audit.js';
import { isCoreError } from './errors.js';
import type { MessagingPolicy } from './policy.js';
import type { ConversationRecord, ParticipantRecord } from './ports/store.js';

/** The refusals a messaging policy gives (recorded as `policy.refused`). */
const POLICY_CODES: ReadonlySet<ErrorCode> = new Set([
  'no_care_relationship',
  'appointment_not_accepted',
  'consultation_inactive',
  'consultation_expired',
  'outside_schedule',
  'blocked',
]);

/** Access refusals worth recording: someone reached for a conversation that is not theirs. */
const ACCESS_CODES: ReadonlySet<ErrorCode> = new Set(['not_participant', 'forbidden']);

/**
 * Records a refusal of the messaging policy (`policy.refused`) if `error` is one, for the action
 * that asked the policy; the caller rethrows. Ids and counts only, never content.
 */
export function recordPolicyRefusal(
  audit: AuditLog,
  actor: Actor,
  error: unknown,
  fields: AuditFields,
): void {
  if (isCoreError(error) && POLICY_CODES.has(error.code)) {
    audit.record(actor, 'policy.refused', { ...fields, outcome: 'refused', code: error.code });
  }
}

/** Records an access refusal (`access.refused`) if `error` is one; the caller rethrows. */
export function recordAccessRefusal(
  audit: AuditLog,
  actor: Actor,
  error: unknown,
  conversationId: string,
): void {
  if (isCoreError(error) && ACCESS_CODES.has(error.code)) {
    audit.record(actor, 'access.refused', { outcome: 'refused', code: error.code, conversationId });
  }
}

/**
 * The policy's answer to a change of a conversation (a send, an edit, a reaction): the same check
 * for every action that writes into it, with a refusal recorded (`policy.refused`) before it is
 * thrown.
 */
export async function checkWrite(
  policy: MessagingPolicy,
  audit: AuditLog,
  actor: Actor,
  conversation: ConversationRecord,
  participants: readonly ParticipantRecord[],
  check: 'send' | 'edit' | 'react' = 'send',
): Promise<void> {
  try {
    await policy.checkSend(actor, conversation, participants);
  } catch (error) {
    recordPolicyRefusal(audit, actor, error, { conversationId: conversation.id, detail: { check } });
    throw error;
  }
}

/**
 * Records the conversations a resume named that are not the actor's: one `access.refused` row for
 * the whole frame or cursor, with a count, however many ids it named (never one row per id).
 */
export function recordResumeRefusals(audit: AuditLog, actor: Actor, refused: readonly string[]): void {
  if (refused.length === 0) return;
  audit.record(actor, 'access.refused', {
    outcome: 'refused',
    code: 'not_participant',
    ...(refused.length === 1 ? { conversationId: refused[0] } : {}),
    detail: { count: refused.length, resume: true },
  });
}
