import { z } from 'zod';
import type { Appointment } from './care.js';
import type { Conversation, User } from './models.js';
import { text } from './text.js';

/**
 * Practices (care teams) on the wire: a team of staff that answers its patients together in a
 * team inbox, with triage (assignee, waiting time, filters), reply expectations from the
 * schedule, saved replies and the patient's context beside the conversation (issue 14).
 */

const id = text().min(1).max(64);

/** A member's job in the practice; every member is a staff account (user role `practitioner`). */
export const PRACTICE_ROLES = ['practitioner', 'nurse', 'front_desk'] as const;
export type PracticeRole = (typeof PRACTICE_ROLES)[number];

export interface PracticeMember {
  user: User;
  role: PracticeRole;
  added_at: string;
}

export interface Practice {
  id: string;
  name: string;
  /** Shown to a patient who writes outside the practice's hours, once per absence; null: none. */
  away_notice: string | null;
  members: PracticeMember[];
  created_at: string;
}

/** The filters of the team inbox; `all` lists every conversation of the team's patients. */
export const INBOX_FILTERS = ['all', 'needs_reply', 'unread', 'assigned_to_me', 'unassigned'] as const;
export type InboxFilter = (typeof INBOX_FILTERS)[number];

/** One row of the team inbox. */
export interface InboxItem {
  practice_id: string;
  conversation: Conversation;
  patient: User;
  assignee: User | null;
  /** The last message is the patient's: someone of the team should answer. */
  needs_reply: boolean;
  /** Since when the patient has been waiting for a reply (their first unanswered message), else null. */
  waiting_since: string | null;
}

/**
 * When a reply can be expected in a practice conversation. `outside_hours` is true when the
 * patient's last unanswered message came while no member of the team was working; then
 * `next_opening` is the next moment one is (null when nobody publishes hours), and `notice` the
 * practice's away notice.
 */
export interface ReplyExpectation {
  conversation_id: string;
  outside_hours: boolean;
  next_opening: string | null;
  notice: string | null;
}

export interface SavedReply {
  id: string;
  practice_id: string;
  title: string;
  /** May hold `{first_name}` and `{next_appointment}`, filled in for the patient when inserted. */
  text: string;
  created_at: string;
}

/** The placeholders a saved reply may use. */
export const SAVED_REPLY_PLACEHOLDERS = ['{first_name}', '{next_appointment}'] as const;

/** What staff see beside a practice conversation. */
export interface PatientContext {
  conversation_id: string;
  patient: User;
  relationship: {
    state: Conversation['state'];
    read_only_reason: Conversation['read_only_reason'];
    open_until: string | null;
  };
  upcoming: Appointment[];
  past: Appointment[];
}

const name = text().trim().min(1).max(120);
const notice = text().trim().max(500);

export const createPracticeBodySchema = z.object({ name, away_notice: notice.nullable().optional() });
export type CreatePracticeBody = z.infer<typeof createPracticeBodySchema>;

export const updatePracticeBodySchema = z.object({
  name: name.optional(),
  away_notice: notice.nullable().optional(),
});
export type UpdatePracticeBody = z.infer<typeof updatePracticeBodySchema>;

export const putPracticeMemberBodySchema = z.object({ role: z.enum(PRACTICE_ROLES) });

/** A patient opens their own; staff name the patient. */
export const openPracticeConversationBodySchema = z.object({ patient_id: id.optional() });

export const assignConversationBodySchema = z.object({ user_id: id.nullable() });

export const inboxQuerySchema = z.object({ filter: z.enum(INBOX_FILTERS).default('all') });

/** Staff book a visit for the practice's patient with one of its members (accepted at once). */
export const bookForPatientBodySchema = z
  .object({
    practitioner_id: id,
    starts_at: z.iso.datetime({ offset: true }),
    ends_at: z.iso.datetime({ offset: true }),
  })
  .refine((a) => Date.parse(a.starts_at) < Date.parse(a.ends_at), {
    message: 'starts_at must be before ends_at',
    path: ['ends_at'],
  });
export type BookForPatientBody = z.infer<typeof bookForPatientBodySchema>;

export const savedReplyBodySchema = z.object({
  title: text().trim().min(1).max(80),
  text: text().trim().min(1).max(4000),
});
export type SavedReplyBody = z.infer<typeof savedReplyBodySchema>;

export interface PracticeResponse {
  practice: Practice;
}
export interface InboxResponse {
  items: InboxItem[];
}
