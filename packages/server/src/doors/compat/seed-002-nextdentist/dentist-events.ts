import { text } from '@carechat/protocol';
import { z } from 'zod';

/**
 * Seed 002's client events beyond those the Socket.IO door always had (send_message,
 * create_conversation): its `useSocket` hook's joinConversation / leaveConversation, typing and
 * read/delivered marks. The seed names the features, not the events; these are the names such a
 * hook uses (docs/migration.md, seed 002). camelCase as the seed's payloads, snake_case accepted.
 */

const id = text().min(1).max(64);
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** `join_conversation` / `leave_conversation`: the id itself, or an object holding it. */
export const conversationRefSchema = z
  .union([id, z.object({ conversationId: id }), z.object({ conversation_id: id })])
  .transform((v) =>
    typeof v === 'string' ? v : 'conversationId' in v ? v.conversationId : v.conversation_id,
  );

/** `typing_start` / `typing_stop` name the conversation; `typing` says which with `isTyping`. */
export const typingSchema = z
  .object({
    conversationId: id.optional(),
    conversation_id: id.optional(),
    isTyping: z.boolean().optional(),
    is_typing: z.boolean().optional(),
  })
  .transform((e) => ({
    conversationId: e.conversationId ?? e.conversation_id,
    isTyping: e.isTyping ?? e.is_typing,
  }))
  .refine((e) => e.conversationId !== undefined, { message: 'conversationId is required' });

/** `mark_as_read` / `mark_as_delivered`: up to a message, or a seq, or everything so far. */
export const markSchema = z
  .object({
    conversationId: id.optional(),
    conversation_id: id.optional(),
    messageId: id.optional(),
    message_id: id.optional(),
    seq: seq.optional(),
  })
  .transform((e) => ({
    conversationId: e.conversationId ?? e.conversation_id,
    messageId: e.messageId ?? e.message_id,
    seq: e.seq,
  }))
  .refine((e) => e.conversationId !== undefined || e.messageId !== undefined, {
    message: 'conversationId or messageId is required',
  });
