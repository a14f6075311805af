import type { Message, ServerFrame } from '@carechat/protocol';
import type { ConsultationParties, DomainEvent } from '../../core/events.js';
import { statusOf } from '../compat/seed-002-nextdentist/dentist-shapes.js';

/** What encoding a message needs beyond the frame: carried by its domain event from the core. */
interface MessageContext {
  consultationId: string | null;
  senderRole: string | null | undefined;
  parties: ConsultationParties | null | undefined;
}

const encoded = new WeakMap<ServerFrame, [string, unknown]>();

/**
 * Frames as the seeds' Socket.IO clients expect them: `[event, payload]`, encoded once per frame
 * (frames of one domain event are shared by every connection on a node). Payloads keep the wire's
 * snake_case fields and add the camelCase names those clients read (seed 003's
 * `new_message {messageId, consultationId, sender, content, sentAt}`).
 */
export function encodeFrame(frame: ServerFrame, event?: DomainEvent): [string, unknown] {
  let pair = encoded.get(frame);
  if (!pair) {
    pair = render(
      frame,
      event?.kind === 'message.created'
        ? {
            consultationId: event.consultationId ?? null,
            senderRole: event.senderRole,
            parties: event.consultationParties,
          }
        : undefined,
    );
    encoded.set(frame, pair);
  }
  return pair;
}

function render(frame: ServerFrame, context: MessageContext | undefined): [string, unknown] {
  switch (frame.type) {
    case 'chat_message':
    case 'message_sent': {
      const { type: _type, ...message } = frame;
      return ['new_message', newMessage(message, context)];
    }
    case 'doctor_ready':
      return [
        'doctor_ready',
        {
          ...withoutType(frame),
          consultationId: frame.consultation_id,
          conversationId: frame.conversation_id,
          doctorId: frame.doctor_id,
        },
      ];
    case 'user_joined':
    case 'user_left':
      return [
        frame.type,
        { ...withoutType(frame), conversationId: frame.conversation_id, userId: frame.user_id },
      ];
    case 'error':
      return [
        'error',
        { message: frame.message, code: frame.code, ...(frame.ref ? { ref: frame.ref } : {}) },
      ];
    case 'read_receipt':
    case 'delivery_receipt':
      // Seed 002 reads a message status change: this one reached READ / DELIVERED for `userId`.
      return [
        frame.type,
        {
          ...withoutType(frame),
          conversationId: frame.conversation_id,
          userId: frame.user_id,
          ...(frame.type === 'read_receipt' ? { messageId: frame.message_id } : {}),
          status: frame.type === 'read_receipt' ? 'READ' : 'DELIVERED',
        },
      ];
    case 'typing_indicator':
      return [
        frame.type,
        {
          ...withoutType(frame),
          conversationId: frame.conversation_id,
          userId: frame.user_id,
          isTyping: frame.is_typing,
        },
      ];
    default:
      // Everything else (typing, receipts, edits, presence, conversation_created, …) keeps its name.
      return [frame.type, withoutType(frame)];
  }
}

function newMessage(message: Message, context: MessageContext | undefined) {
  return {
    ...message,
    messageId: message.message_id,
    conversationId: message.conversation_id,
    consultationId: context?.consultationId ?? null,
    senderId: message.sender_id,
    /** Seed 003 tells the two sides apart by 'doctor' / 'user'. */
    sender: context?.senderRole === 'practitioner' ? 'doctor' : 'user',
    sentAt: message.timestamp,
    /** Seed 002's Prisma status. */
    status: statusOf(message),
    /** Seed 003's consultation parties (the patient and the doctor), null outside a consultation. */
    user: context?.parties?.user ?? null,
    doctor: context?.parties?.doctor ?? null,
  };
}

function withoutType<T extends { type: string }>(frame: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = frame;
  return rest;
}
