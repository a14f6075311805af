import { z } from 'zod';
import { attachmentRefSchema } from './client-frames.js';
import type { Attachment, Conversation, Message, User } from './models.js';
import type { UserSettings } from './security.js';
import { text } from './text.js';

/** HTTP request bodies and queries, validated by the server and typed for clients. */

const id = text().min(1).max(64);

export const registerBodySchema = z.object({
  email: z.email().max(254),
  password: text().min(8).max(256),
  name: text().trim().min(1).max(100),
  role: z.enum(['patient', 'practitioner']),
});
export type RegisterBody = z.infer<typeof registerBodySchema>;

/**
 * `202` to a sign-up when the server confirms sign-ups by email: the same whether or not the
 * address has an account; the link in the email makes the account and signs it in.
 */
export interface SignupConfirmationResponse {
  status: 'confirmation_sent';
}

export const loginBodySchema = z.object({
  email: text().min(1).max(254),
  password: text().min(1).max(256),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

/** The refresh token may come in the body (non-browser clients) or the session cookie. */
export const refreshBodySchema = z.object({ refresh_token: text().min(1).max(200).optional() }).optional();

export const createConversationBodySchema = z.object({
  participant_ids: z.array(id).min(1).max(50),
  appointment_id: id.optional(),
});
export type CreateConversationBody = z.infer<typeof createConversationBodySchema>;

export const sendMessageBodySchema = z.object({
  client_msg_id: text().min(1).max(100),
  content: text(),
  reply_to: id.nullish(),
  attachments: z.array(attachmentRefSchema).max(10).nullish(),
});
export type SendMessageBody = z.infer<typeof sendMessageBodySchema>;

export const editMessageBodySchema = z.object({ content: text() });

const seqParam = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const MAX_HISTORY_LIMIT = 200;

export const historyQuerySchema = z
  .object({
    after_seq: seqParam.optional(),
    before_seq: seqParam.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_HISTORY_LIMIT).default(50),
  })
  .refine((q) => q.after_seq === undefined || q.before_seq === undefined, {
    message: 'give after_seq or before_seq, not both',
  });
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export const readBodySchema = z.object({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });

export const conversationSettingsBodySchema = z
  .object({ muted: z.boolean().optional(), pinned: z.boolean().optional() })
  .refine((b) => b.muted !== undefined || b.pinned !== undefined, { message: 'give muted or pinned' });
export type ConversationSettingsBody = z.infer<typeof conversationSettingsBodySchema>;

export const searchQuerySchema = z.object({
  query: text().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The `next_cursor` of the previous page. */
  cursor: text().max(200).optional(),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

// Response shapes.
export interface AuthResponse {
  user: User;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  /** The server's automatic logoff after inactivity, in seconds (0: none); the web app follows it. */
  idle_timeout_seconds?: number;
}
export interface MeResponse {
  user: User;
  /** The caller's own settings (see the security section of docs/protocol.md). */
  settings?: UserSettings;
}
export interface ConversationResponse {
  conversation: Conversation;
}
export interface ConversationListResponse {
  conversations: Conversation[];
  /** Unread messages over all of the caller's conversations. */
  unread_total: number;
}
export interface SearchResponse {
  results: Message[];
  next_cursor: string | null;
}
export interface AttachmentResponse {
  attachment: Attachment;
}
export interface MessageResponse {
  message: Message;
}
export interface HistoryResponse {
  messages: Message[];
  has_more: boolean;
}
export interface ReadResponse {
  conversation_id: string;
  last_read_seq: number;
  unread_count: number;
}
