import type { ErrorCode } from './errors.js';

/** Entities as they appear on the wire. Fields are snake_case; timestamps are ISO 8601 UTC. */

export const ROLES = ['patient', 'practitioner', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Whether an account may be found, booked and messaged: practitioners who sign up themselves wait
 * for an admin's approval (`PRACTITIONER_SIGNUP=pending`, the default); a rejected one stays out.
 */
export const ACCOUNT_STATUSES = ['active', 'pending', 'rejected'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface User {
  id: string;
  name: string;
  role: Role;
  /** Only for the user themself (and admins). */
  email?: string;
  /** Only for the user themself (and admins). */
  status?: AccountStatus;
}

export interface Attachment {
  id: string;
  name: string;
  content_type: string;
  size: number;
}

/** The quoted message a reply points at, as it was when rendered. */
export interface ReplyPreview {
  message_id: string;
  seq: number;
  sender_id: string;
  sender_name: string;
  /** The first characters of the quoted message; empty when it was deleted. */
  snippet: string;
  is_deleted: boolean;
}

/** One emoji's reactions on a message, as the viewer sees them. */
export interface ReactionSummary {
  emoji: string;
  count: number;
  /** Whether the viewer is among those who reacted. */
  mine: boolean;
}

export interface Message {
  message_id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  sender_name: string;
  /** Empty for a deleted message. */
  content: string;
  client_msg_id: string;
  reply_to: string | null;
  reply_preview: ReplyPreview | null;
  attachments: Attachment[];
  timestamp: string;
  is_edited: boolean;
  is_deleted: boolean;
  /** Ids of the other participants whose devices have received this message. */
  delivered_to: string[];
  /** Ids of the other participants whose read marker has reached this message. */
  read_by: string[];
  reactions: ReactionSummary[];
}

export interface Participant {
  user: User;
  online: boolean;
  last_seen_at: string | null;
  last_read_seq: number;
  last_delivered_seq: number;
}

export type ConversationKind = 'direct' | 'group';

/**
 * `read_only`: the care relationship behind the conversation has ended (appointment cancelled,
 * consultation expired, …). It stays readable; sends are refused with `read_only_reason`.
 */
export type ConversationState = 'open' | 'read_only';

export interface Conversation {
  id: string;
  kind: ConversationKind;
  appointment_id: string | null;
  participants: Participant[];
  last_message: Message | null;
  unread_count: number;
  muted: boolean;
  pinned: boolean;
  last_seq: number;
  state: ConversationState;
  /** The error code a send would get, when `state` is `read_only`; otherwise null. */
  read_only_reason: ErrorCode | null;
  /**
   * While `open`: the instant the care relationship behind it ends and it becomes read-only, unless
   * something changes (a new appointment); null when no end is in sight or it is already read-only.
   */
  open_until: string | null;
  created_at: string;
  last_activity_at: string;
  /** Present when a practice (care team) takes part: the patient writes to the team (issue 14). */
  practice?: { id: string; name: string; patient_id: string };
}
