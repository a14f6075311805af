import { z } from 'zod';
import { text } from './text.js';

/**
 * The Socket.IO door's client events (seeds 002 and 003). Their payloads came in camelCase from
 * those clients; snake_case is accepted too. Fields such as `sender` are ignored: identity comes
 * from the handshake token only.
 */

const id = text().min(1).max(64);
const clientMsgId = text().min(1).max(100);

/** `join_consultation` / `leave_consultation`: the id itself, or an object holding it. */
export const consultationRefEventSchema = z
  .union([id, z.object({ consultationId: id }), z.object({ consultation_id: id })])
  .transform((v) =>
    typeof v === 'string' ? v : 'consultationId' in v ? v.consultationId : v.consultation_id,
  );

/** `send_message`: into a consultation (seed 003) or a conversation (seed 002). */
export const sendMessageEventSchema = z
  .object({
    consultationId: id.optional(),
    consultation_id: id.optional(),
    conversationId: id.optional(),
    conversation_id: id.optional(),
    content: text(),
    clientMsgId: clientMsgId.optional(),
    client_msg_id: clientMsgId.optional(),
    replyTo: id.nullish(),
    reply_to: id.nullish(),
  })
  .transform((e) => ({
    consultationId: e.consultationId ?? e.consultation_id,
    conversationId: e.conversationId ?? e.conversation_id,
    content: e.content,
    clientMsgId: e.clientMsgId ?? e.client_msg_id,
    replyTo: e.replyTo ?? e.reply_to ?? null,
  }))
  .refine((e) => (e.consultationId === undefined) !== (e.conversationId === undefined), {
    message: 'give consultationId or conversationId',
  });
export type SendMessageEvent = z.output<typeof sendMessageEventSchema>;

/** `create_conversation`: with one other user (seed 002's targetUserId) or several. */
export const createConversationEventSchema = z
  .object({
    targetUserId: id.optional(),
    target_user_id: id.optional(),
    participantIds: z.array(id).min(1).max(50).optional(),
    participant_ids: z.array(id).min(1).max(50).optional(),
    appointmentId: id.optional(),
    appointment_id: id.optional(),
  })
  .transform((e) => {
    const target = e.targetUserId ?? e.target_user_id;
    const appointmentId = e.appointmentId ?? e.appointment_id;
    return {
      participant_ids: e.participantIds ?? e.participant_ids ?? (target === undefined ? [] : [target]),
      ...(appointmentId === undefined ? {} : { appointment_id: appointmentId }),
    };
  })
  .refine((e) => e.participant_ids.length > 0, { message: 'give targetUserId or participantIds' });

/** What every client event's acknowledgement callback receives. */
export type SocketIoAck<T> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };
