import type {
  AccountStatus,
  Appointment,
  Conversation,
  ConversationState,
  ErrorCode,
  Message,
  Role,
  SessionRevokedEvent,
} from '@carechat/protocol';
import { newId } from './ids.js';
import type { ParticipantRecord } from './ports/store.js';

/**
 * What the core tells the live layer after a commit: a typed domain event, routed by the user ids
 * in `recipients`, with the payload every door needs to encode it into its own wire format (no
 * door looks anything up per delivery). The bus carries these between nodes; it never carries a
 * rendered wire frame.
 */
export type DomainEvent =
  | MessageCreated
  | Routed<
      'message.edited',
      { conversationId: string; messageId: string; seq: number; content: string; editedAt: string }
    >
  | Routed<'message.deleted', { conversationId: string; messageId: string; seq: number; wasEdited: boolean }>
  | Routed<'receipt.read', { conversationId: string; userId: string; seq: number; messageId: string | null }>
  | Routed<'receipt.delivered', { conversationId: string; userId: string; seq: number }>
  | Routed<'unread.changed', { conversationId: string; unreadCount: number; totalUnread: number }>
  | Routed<'reaction.added', ReactionPayload>
  | Routed<'reaction.removed', ReactionPayload>
  | Routed<
      'typing.changed',
      { conversationId: string; userId: string; username: string; isTyping: boolean; expiresInMs: number }
    >
  /** A colleague has the conversation open (issue 14): for the other staff in it only. */
  | Routed<
      'viewing.changed',
      { conversationId: string; userId: string; username: string; isViewing: boolean; expiresInMs: number }
    >
  | Routed<
      'presence.changed',
      { userId: string; username: string; status: 'online' | 'offline'; lastSeenAt: string | null }
    >
  /** Rendered for its one recipient (unread counts and presence are the viewer's). */
  | Routed<'conversation.created', { conversation: Conversation }>
  /** Rendered for its one recipient. */
  | Routed<'appointment.updated', { appointment: Appointment }>
  /** A conversation became read-only or writable again (ConversationService.announceStates). */
  | Routed<
      'conversation.state_changed',
      {
        conversationId: string;
        state: ConversationState;
        readOnlyReason: ErrorCode | null;
        openUntil: string | null;
      }
    >
  | Routed<'participant.joined', { conversationId: string; userId: string }>
  | Routed<'participant.left', { conversationId: string; userId: string }>
  /** A practice conversation was assigned (or unassigned): for the practice's members. */
  | Routed<'triage.changed', { conversationId: string; practiceId: string; assigneeId: string | null }>
  | Routed<'doctor.ready', { consultationId: string; conversationId: string; doctorId: string; text: string }>
  /**
   * Someone opened or closed a conversation's room on one of their connections (seed 003's
   * join_consultation / leave_consultation, seed 002's join_conversation / leave_conversation).
   * No protocol frame carries it: only doors that speak rooms say it (LiveSink.hear); the
   * connection that did it does not hear it. Delivery never depends on rooms.
   */
  | Routed<
      'room.changed',
      {
        /** Set when the room was named by its consultation. */
        consultationId: string | null;
        conversationId: string;
        userId: string;
        role: Role;
        present: boolean;
        exceptConnectionId?: string;
      }
    >
  /** Goes to the connections of these sessions, wherever they are; they are closed after. */
  | Routed<'session.revoked', { sessionIds: string[]; reason: SessionRevokedEvent['reason'] }>
  /**
   * A user's role or account status changed (server API, an admin's approval): every node drops
   * what it cached of them, and their open connections acting under another role are closed.
   */
  | Routed<'user.access_changed', { userId: string; role: Role; status: AccountStatus }>;

export type DomainEventKind = DomainEvent['kind'];
export type EventOf<K extends DomainEventKind> = Extract<DomainEvent, { kind: K }>;

type Routed<K extends string, P> = {
  kind: K;
  /** Unique per event: lets a codec render it once for every connection on a node. */
  id: string;
  /** Every device of these users hears the event (delivery follows the participant list). */
  recipients: readonly string[];
} & P;

/**
 * A committed message, for all its participants: the sender's devices hear it as sent (but the
 * connection that sent it, which got its ack), the others as received.
 */
export type MessageCreated = Routed<
  'message.created',
  {
    message: Message;
    exceptConnectionId?: string;
    /**
     * What the seeds' codecs need, filled in once at publish (core/event-context.ts); absent only
     * on events built outside a publish.
     */
    consultationId?: string | null;
    senderRole?: Role | null;
    /** The consultation's two parties (seed 003's `user` and `doctor`), when it has one. */
    consultationParties?: ConsultationParties | null;
    /**
     * The two people of a 1:1 conversation with their usernames (seed 001's `sender` and
     * `receiver`); null for groups.
     */
    directParties?: readonly DirectParty[] | null;
    /**
     * Whom to notify (the others who did not mute the conversation): their devices also get a
     * `notification` frame, and the notification ladder starts for them. Carried by this one
     * event, so a message is published once.
     */
    notify?: MessageNotification;
  }
>;

export interface MessageNotification {
  userIds: readonly string[];
  /** Recipients who asked for previews get this text; the others a notification without it. */
  preview?: { userIds: readonly string[]; text: string };
}

/** A consultation's patient and practitioner, as seed 003's clients show them. */
export interface ConsultationParties {
  user: PartyName;
  doctor: PartyName;
}

export interface DirectParty {
  id: string;
  name: string;
  username: string;
}

export interface PartyName {
  id: string;
  name: string;
  role: Role;
}

interface ReactionPayload {
  conversationId: string;
  messageId: string;
  userId: string;
  emoji: string;
}

/**
 * Event ids name an event in logs and traces, nothing more: unique across nodes without costing
 * the random bytes of an entity id on every event (this process's random prefix and a counter).
 */
const EVENT_ID_PREFIX = newId('evt');
let eventCount = 0;

/** Builds an event of a kind with a fresh id: `domainEvent('receipt.delivered', users, {...})`. */
export function domainEvent<K extends DomainEventKind>(
  kind: K,
  recipients: readonly string[],
  payload: Omit<EventOf<K>, 'kind' | 'id' | 'recipients'>,
): EventOf<K> {
  eventCount += 1;
  return {
    kind,
    id: `${EVENT_ID_PREFIX}.${eventCount.toString(36)}`,
    recipients: [...recipients],
    ...payload,
  } as unknown as EventOf<K>;
}

/** The user ids of a participant list. */
export function userIdsOf(participants: readonly Pick<ParticipantRecord, 'userId'>[]): string[] {
  return participants.map((p) => p.userId);
}

export function messageCreated(
  message: Message,
  participants: readonly Pick<ParticipantRecord, 'userId'>[],
  origin: { connectionId?: string | undefined },
  /** The sender's role, known to the action that sent it (the seeds' Socket.IO clients show it). */
  senderRole: Role,
  notify?: MessageNotification,
): MessageCreated {
  return domainEvent('message.created', userIdsOf(participants), {
    message,
    senderRole,
    ...(origin.connectionId === undefined ? {} : { exceptConnectionId: origin.connectionId }),
    ...(notify && notify.userIds.length > 0 ? { notify } : {}),
  });
}

/** The conversations an event belongs to, if any (a per-conversation socket hears only its own). */
export function conversationOfEvent(event: DomainEvent): string | undefined {
  switch (event.kind) {
    case 'message.created':
      return event.message.conversation_id;
    case 'conversation.created':
      return event.conversation.id;
    case 'presence.changed':
    case 'appointment.updated':
    case 'session.revoked':
    case 'user.access_changed':
      return undefined;
    default:
      return event.conversationId;
  }
}

/** Whom a new message notifies: `notify`; those in `previews` get `previewText` (if any). */
export function messageNotification(
  message: Message,
  notify: readonly string[],
  previews: ReadonlySet<string>,
  previewText: string,
): MessageNotification {
  const withPreview = notify.filter((id) => previews.has(id));
  return {
    userIds: notify,
    ...(withPreview.length > 0 && message.content.trim() !== ''
      ? { preview: { userIds: withPreview, text: previewText } }
      : {}),
  };
}
