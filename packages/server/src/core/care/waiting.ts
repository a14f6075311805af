import type { MessageRecord } from '../ports/store.js';

/** How far back the waiting time looks: a patient's run of unanswered messages longer than this is rare. */
export const WAITING_LOOKBACK = 50;

export interface Waiting {
  /** The last message is the patient's: the team owes a reply. */
  needsReply: boolean;
  /** The patient's first unanswered message (of the run at the end), else null. */
  waitingSince: string | null;
  /** The patient's latest unanswered message, else null. */
  lastAt: string | null;
}

/**
 * Whether the patient waits for a reply, and since when, from the newest messages (newest last).
 * Deleted messages do not count either way.
 */
export function waitingOf(messages: readonly MessageRecord[], patientId: string): Waiting {
  let since: string | null = null;
  let last: string | null = null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (!message || message.deletedAt !== null) continue;
    if (message.senderId !== patientId) break;
    since = message.createdAt;
    last ??= message.createdAt;
  }
  return { needsReply: since !== null, waitingSince: since, lastAt: last };
}
