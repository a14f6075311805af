import type { ServerFrame } from '@carechat/protocol';
import type { DomainEvent } from '../core/events.js';

/** Who is looking at an event: the frames differ for the sender of a message, for instance. */
export interface Viewer {
  userId: string;
  connectionId: string;
}

/** The text of the refresh hint that follows conversation_created (seed 004's clients reload on it). */
const CONVERSATION_REFRESH_TEXT = 'New conversation created';

const rendered = new WeakMap<DomainEvent, Map<string, readonly ServerFrame[]>>();

/**
 * The protocol frames (docs/protocol.md) a domain event becomes for one viewer. Every door's
 * wire is defined by these frames; each is built once per event and perspective on a node and
 * shared by all its connections (a door caches its own encoding per frame object in turn).
 */
export function framesFor(event: DomainEvent, viewer: Viewer): readonly ServerFrame[] {
  const perspective = perspectiveOf(event, viewer);
  if (perspective === undefined) return [];
  let byPerspective = rendered.get(event);
  if (!byPerspective) {
    byPerspective = new Map();
    rendered.set(event, byPerspective);
  }
  let frames = byPerspective.get(perspective);
  if (!frames) {
    frames = render(event, perspective);
    byPerspective.set(perspective, frames);
  }
  return frames;
}

type Perspective = 'all' | 'sender' | 'recipient' | 'notified' | 'previewed';

function perspectiveOf(event: DomainEvent, viewer: Viewer): Perspective | undefined {
  switch (event.kind) {
    case 'message.created':
      if (event.message.sender_id !== viewer.userId) {
        if (!event.notify?.userIds.includes(viewer.userId)) return 'recipient';
        return event.notify.preview?.userIds.includes(viewer.userId) ? 'previewed' : 'notified';
      }
      // The sending connection got its ack already.
      return event.exceptConnectionId === viewer.connectionId ? undefined : 'sender';
    default:
      return 'all';
  }
}

function render(event: DomainEvent, perspective: Perspective): readonly ServerFrame[] {
  switch (event.kind) {
    case 'message.created': {
      const message: ServerFrame = {
        type: perspective === 'sender' ? 'message_sent' : 'chat_message',
        ...event.message,
      };
      if (perspective !== 'notified' && perspective !== 'previewed') return [message];
      const { message: m, notify } = event;
      return [
        message,
        {
          type: 'notification',
          conversation_id: m.conversation_id,
          message_id: m.message_id,
          seq: m.seq,
          sender_id: m.sender_id,
          sender_name: m.sender_name,
          ...(perspective === 'previewed' && notify?.preview ? { preview: notify.preview.text } : {}),
        },
      ];
    }
    case 'message.edited':
      return [
        {
          type: 'message_edited',
          message_id: event.messageId,
          conversation_id: event.conversationId,
          seq: event.seq,
          content: event.content,
          is_edited: true,
          edited_at: event.editedAt,
        },
      ];
    case 'message.deleted':
      return [
        {
          type: 'message_deleted',
          message_id: event.messageId,
          conversation_id: event.conversationId,
          seq: event.seq,
          content: '',
          is_edited: event.wasEdited,
          is_deleted: true,
        },
      ];
    case 'receipt.read':
      return [
        {
          type: 'read_receipt',
          conversation_id: event.conversationId,
          user_id: event.userId,
          seq: event.seq,
          message_id: event.messageId,
        },
      ];
    case 'receipt.delivered':
      return [
        {
          type: 'delivery_receipt',
          conversation_id: event.conversationId,
          user_id: event.userId,
          seq: event.seq,
        },
      ];
    case 'unread.changed':
      return [
        {
          type: 'unread_changed',
          conversation_id: event.conversationId,
          unread_count: event.unreadCount,
          total_unread: event.totalUnread,
        },
      ];
    case 'reaction.added':
    case 'reaction.removed':
      return [
        {
          type: event.kind === 'reaction.added' ? 'reaction_added' : 'reaction_removed',
          conversation_id: event.conversationId,
          message_id: event.messageId,
          user_id: event.userId,
          emoji: event.emoji,
        },
      ];
    case 'typing.changed':
      return [
        {
          type: 'typing_indicator',
          conversation_id: event.conversationId,
          user_id: event.userId,
          username: event.username,
          is_typing: event.isTyping,
          expires_in_ms: event.expiresInMs,
        },
      ];
    case 'viewing.changed':
      return [
        {
          type: 'viewing_indicator',
          conversation_id: event.conversationId,
          user_id: event.userId,
          username: event.username,
          is_viewing: event.isViewing,
          expires_in_ms: event.expiresInMs,
        },
      ];
    case 'presence.changed':
      return [
        {
          type: 'user_status',
          user_id: event.userId,
          username: event.username,
          status: event.status,
          last_seen_at: event.lastSeenAt,
        },
      ];
    case 'conversation.created':
      return [
        { type: 'conversation_created', conversation: event.conversation },
        {
          type: 'conversation_refresh',
          conversation_id: event.conversation.id,
          message: CONVERSATION_REFRESH_TEXT,
        },
      ];
    case 'appointment.updated':
      return [{ type: 'appointment_updated', appointment: event.appointment }];
    case 'conversation.state_changed':
      return [
        {
          type: 'conversation_state',
          conversation_id: event.conversationId,
          state: event.state,
          read_only_reason: event.readOnlyReason,
          open_until: event.openUntil,
        },
      ];
    case 'participant.joined':
    case 'participant.left':
      return [
        {
          type: event.kind === 'participant.joined' ? 'user_joined' : 'user_left',
          conversation_id: event.conversationId,
          user_id: event.userId,
        },
      ];
    case 'triage.changed':
      return [
        {
          type: 'triage_changed',
          conversation_id: event.conversationId,
          practice_id: event.practiceId,
          assignee_id: event.assigneeId,
        },
      ];
    case 'doctor.ready':
      return [
        {
          type: 'doctor_ready',
          consultation_id: event.consultationId,
          conversation_id: event.conversationId,
          doctor_id: event.doctorId,
          message: event.text,
        },
      ];
    case 'session.revoked':
      return [{ type: 'session_revoked', session_ids: event.sessionIds, reason: event.reason }];
    case 'user.access_changed':
      // Not a frame: the hub closes connections acting under a role the user no longer has.
      return [];
    case 'room.changed':
      // Not a protocol frame: doors that speak rooms hear it (LiveSink.hear).
      return [];
  }
}
