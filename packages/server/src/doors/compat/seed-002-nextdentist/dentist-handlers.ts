import type { z } from 'zod';
import type { Actor } from '../../../core/actor.js';
import type { Core } from '../../../core/index.js';
import type { LiveSession } from '../../../live/session.js';
import type { LeftRooms } from '../socket-rooms.js';
import { conversationRefSchema, markSchema, typingSchema } from './dentist-events.js';
import { withParticipantRows } from './dentist-shapes.js';

/** Decodes the event's payload with a schema, or throws invalid_request. */
export type Decode = <S extends z.ZodType>(schema: S) => z.output<S>;

/** How the Socket.IO door runs one client event: decoded, in the session's queue, acknowledged. */
export type OnEvent = (name: string, run: (decode: Decode) => Promise<Record<string, unknown>>) => void;

/**
 * Seed 002's client events (dentist-events.ts), each one core call. Joining a conversation
 * answers it with the seed's participant rows, tells the others (user_joined) and undoes a leave
 * on this socket; leaving tells them (user_left) and quiets this socket for that conversation (as
 * seed 003's rooms); delivery never depends on joining.
 */
export function attachDentistEvents(
  on: OnEvent,
  deps: { core: Core; actor: Actor; session: LiveSession; rooms: LeftRooms },
): void {
  const { core, actor, session, rooms } = deps;
  on('join_conversation', async (decode) => {
    const conversation = await core.conversations.get(actor, decode(conversationRefSchema));
    await core.rooms.announce(actor, conversation.id, true, session.id);
    rooms.join(conversation.id);
    return { conversation: withParticipantRows(conversation, actor.userId) };
  });
  on('leave_conversation', async (decode) => {
    const conversationId = decode(conversationRefSchema);
    await core.rooms.announce(actor, conversationId, false, session.id);
    rooms.leave(conversationId);
    return {};
  });
  const typing = (fixed?: boolean) => async (decode: Decode) => {
    const event = decode(typingSchema);
    await core.typing.set(actor, event.conversationId!, fixed ?? event.isTyping ?? true, session.id);
    return {};
  };
  on('typing_start', typing(true));
  on('typing_stop', typing(false));
  on('typing', typing());
  on('mark_as_read', async (decode) => {
    const mark = decode(markSchema);
    const read = await core.receipts.markRead(actor, mark);
    return { ...read, conversationId: read.conversation_id, unreadCount: read.unread_count };
  });
  on('mark_as_delivered', async (decode) => {
    const mark = decode(markSchema);
    const seq = await core.receipts.markDelivered(actor, mark);
    return { conversationId: mark.conversationId ?? null, last_delivered_seq: seq };
  });
}
