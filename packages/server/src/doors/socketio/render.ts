import type { Message, ServerFrame } from '@carechat/protocol';

/** What rendering a message needs beyond the frame: looked up per delivery by the connection. */
export interface MessageContext {
  consultationId: string | null;
  senderRole: string | undefined;
}

/**
 * Core frames as the seeds' Socket.IO clients expect them: `[event, payload]`. Payloads keep the
 * wire's snake_case fields and add the camelCase names those clients read (seed 003's
 * `new_message {messageId, consultationId, sender, content, sentAt}`).
 */
export function renderFrame(frame: ServerFrame, context?: MessageContext): [string, unknown] {
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
  };
}

function withoutType<T extends { type: string }>(frame: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = frame;
  return rest;
}
