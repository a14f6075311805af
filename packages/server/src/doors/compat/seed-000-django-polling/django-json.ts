import type { ErrorCode, Message, Role } from '@carechat/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { refusalOf } from '../../http/error-handling.js';

/**
 * Seed 000's wire: the JSON its Django chat-room template reads. A message is the row of its
 * `Message` model (`sender_type`, `sender_id`, `chat_room_id`, `content`, `timestamp`) plus
 * carechat's own fields; every answer says `success`, and a refusal says why (`error`, the text
 * the template shows) with carechat's `code`.
 */
export interface DjangoMessage {
  id: string;
  message_id: string;
  seq: number;
  chat_room_id: string;
  room_id: string;
  sender_type: Role | 'deleted';
  sender_id: string;
  sender_name: string;
  content: string;
  timestamp: string;
  is_read: boolean;
  is_edited: boolean;
  is_deleted: boolean;
  client_msg_id: string;
}

/** `roles`: the senders' roles by user id (a sender whose account is gone is `deleted`). */
export function djangoMessage(message: Message, roles: ReadonlyMap<string, Role>): DjangoMessage {
  return {
    id: message.message_id,
    message_id: message.message_id,
    seq: message.seq,
    chat_room_id: message.conversation_id,
    room_id: message.conversation_id,
    sender_type: roles.get(message.sender_id) ?? 'deleted',
    sender_id: message.sender_id,
    sender_name: message.sender_name,
    content: message.content,
    timestamp: message.timestamp,
    is_read: message.read_by.length > 0,
    is_edited: message.is_edited,
    is_deleted: message.is_deleted,
    client_msg_id: message.client_msg_id,
  };
}

export function djangoError(code: ErrorCode, message: string, retryAfter?: number) {
  return {
    success: false as const,
    error: message,
    code,
    ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
  };
}

/**
 * A Fastify scope whose refusals are said the Django way (the seeds 000 and 001 routes); unknown
 * failures stay the global handler's (500, logged by kind).
 */
export function answerRefusalsTheDjangoWay(scope: FastifyInstance): void {
  scope.setErrorHandler((error: FastifyError, _request, reply) => {
    const refusal = refusalOf(error);
    if (!refusal) throw error;
    if (refusal.retryAfter !== undefined) void reply.header('retry-after', String(refusal.retryAfter));
    return reply.status(refusal.status).send(djangoError(refusal.code, refusal.message, refusal.retryAfter));
  });
}
