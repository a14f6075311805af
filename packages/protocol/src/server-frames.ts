import type { Appointment } from './care.js';
import type { ErrorCode } from './errors.js';
import type { Conversation, ConversationState, Message } from './models.js';

/** Frames the server sends. Every frame is one JSON object with a `type`. */

export type ChatMessageEvent = { type: 'chat_message' } & Message;
/** The stored message, to the sender's own devices; carries the sender's client_msg_id. */
export type MessageSentEvent = { type: 'message_sent' } & Message;

export interface MessageEditedEvent {
  type: 'message_edited';
  message_id: string;
  conversation_id: string;
  seq: number;
  content: string;
  is_edited: true;
  edited_at: string;
}

export interface MessageDeletedEvent {
  type: 'message_deleted';
  message_id: string;
  conversation_id: string;
  seq: number;
  content: '';
  is_edited: boolean;
  is_deleted: true;
}

export interface TypingIndicatorEvent {
  type: 'typing_indicator';
  conversation_id: string;
  user_id: string;
  username: string;
  is_typing: boolean;
  /** Clients stop showing the indicator after this long without a refresh, whatever happens to the typer. */
  expires_in_ms: number;
}

export interface ReadReceiptEvent {
  type: 'read_receipt';
  conversation_id: string;
  user_id: string;
  seq: number;
  message_id: string | null;
}

export interface DeliveryReceiptEvent {
  type: 'delivery_receipt';
  conversation_id: string;
  user_id: string;
  seq: number;
}

interface ReactionFields {
  conversation_id: string;
  message_id: string;
  user_id: string;
  emoji: string;
}

export type ReactionAddedEvent = { type: 'reaction_added' } & ReactionFields;
export type ReactionRemovedEvent = { type: 'reaction_removed' } & ReactionFields;

/** The user's own unread counts after their read marker moved (on any of their devices). */
export interface UnreadChangedEvent {
  type: 'unread_changed';
  conversation_id: string;
  unread_count: number;
  total_unread: number;
}

/**
 * A new message worth notifying about: sent to recipients who have not muted the conversation.
 * It carries no message content unless the recipient turned previews on.
 */
export interface NotificationEvent {
  type: 'notification';
  conversation_id: string;
  message_id: string;
  seq: number;
  sender_id: string;
  sender_name: string;
  /** The message's first characters: only for users who turned notification previews on. */
  preview?: string;
}

export interface UserStatusEvent {
  type: 'user_status';
  user_id: string;
  username: string;
  status: 'online' | 'offline';
  last_seen_at: string | null;
}

export interface ConversationCreatedEvent {
  type: 'conversation_created';
  conversation: Conversation;
}

/** Seed 001's frame, still sent beside conversation_created for old clients. */
export interface ConversationRefreshEvent {
  type: 'conversation_refresh';
  conversation_id: string;
  message: string;
}

export interface DoctorReadyEvent {
  type: 'doctor_ready';
  consultation_id: string;
  conversation_id: string;
  doctor_id: string;
  message: string;
}

export interface UserJoinedEvent {
  type: 'user_joined';
  conversation_id: string;
  user_id: string;
}

export interface UserLeftEvent {
  type: 'user_left';
  conversation_id: string;
  user_id: string;
}

/**
 * A colleague has the conversation open (or no longer): sent to the other staff only, never to
 * the patient. Refreshed while it lasts; a client drops it after `expires_in_ms` without news.
 */
export interface ViewingIndicatorEvent {
  type: 'viewing_indicator';
  conversation_id: string;
  user_id: string;
  username: string;
  is_viewing: boolean;
  expires_in_ms: number;
}

/** A practice conversation was assigned to a member (`assignee_id`) or to no one (null). */
export interface TriageChangedEvent {
  type: 'triage_changed';
  conversation_id: string;
  practice_id: string;
  assignee_id: string | null;
}

/** An appointment the user is a party to was requested, accepted, declined, cancelled or changed. */
export interface AppointmentUpdatedEvent {
  type: 'appointment_updated';
  appointment: Appointment;
}

/**
 * Whether a conversation can be written changed: the relationship behind it ended or was renewed
 * (an appointment accepted, cancelled, completed or ended; a block added or lifted). The same
 * three fields as the conversation list's; `open_until` also tells when it will end by itself.
 */
export interface ConversationStateEvent {
  type: 'conversation_state';
  conversation_id: string;
  state: ConversationState;
  read_only_reason: ErrorCode | null;
  open_until: string | null;
}

export interface ResumedEvent {
  type: 'resumed';
  cursors: Record<string, number>;
}

export interface PongEvent {
  type: 'pong';
}

export interface ErrorEvent {
  type: 'error';
  code: ErrorCode;
  message: string;
  ref?: string;
  /** Seconds to wait before retrying (`rate_limited`). */
  retry_after?: number;
}

/**
 * This connection's session has ended (logout, log out everywhere, a reused refresh token, idle
 * logoff, account deletion): sent just before the server closes the connection with 4401.
 */
export interface SessionRevokedEvent {
  type: 'session_revoked';
  /** The sessions that ended (one, or every session of the user on "log out everywhere"). */
  session_ids: string[];
  reason:
    | 'logout'
    | 'logout_all'
    | 'refresh_token_reuse'
    | 'idle'
    | 'account_deleted'
    | 'expired'
    /** The account's role or status changed: sign in again to act with the new one. */
    | 'access_changed';
}

export type ServerFrame =
  | ChatMessageEvent
  | MessageSentEvent
  | MessageEditedEvent
  | MessageDeletedEvent
  | TypingIndicatorEvent
  | ReadReceiptEvent
  | DeliveryReceiptEvent
  | ReactionAddedEvent
  | ReactionRemovedEvent
  | UnreadChangedEvent
  | NotificationEvent
  | UserStatusEvent
  | ConversationCreatedEvent
  | ConversationRefreshEvent
  | DoctorReadyEvent
  | UserJoinedEvent
  | UserLeftEvent
  | AppointmentUpdatedEvent
  | ConversationStateEvent
  | TriageChangedEvent
  | ViewingIndicatorEvent
  | ResumedEvent
  | PongEvent
  | ErrorEvent
  | SessionRevokedEvent;

export type ServerFrameType = ServerFrame['type'];

/** The conversation a frame belongs to, if any (used to filter per-conversation sockets). */
export function conversationOf(frame: ServerFrame): string | undefined {
  switch (frame.type) {
    case 'conversation_created':
      return frame.conversation.id;
    case 'user_status':
    case 'appointment_updated':
    case 'resumed':
    case 'pong':
    case 'error':
    case 'session_revoked':
      return undefined;
    default:
      return frame.conversation_id;
  }
}
