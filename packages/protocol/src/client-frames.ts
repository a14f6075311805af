import { z } from 'zod';
import { MAX_RESUME_CONVERSATIONS } from './limits.js';
import { text } from './text.js';

/**
 * Frames a client sends over a WebSocket (and, for the fallback transports, over HTTP).
 * Untrusted JSON is decoded here once, at the edge; nothing past a door sees raw input.
 */

const id = text().min(1).max(64);
/** Chosen by the client to make a send idempotent; any opaque string up to 100 characters. */
const clientMsgId = text().min(1).max(100);
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const attachmentRefSchema = z.object({
  id,
  name: text().max(255).optional(),
  content_type: text().max(255).optional(),
  size: z.number().int().min(0).optional(),
});

export const chatMessageFrameSchema = z.object({
  type: z.literal('chat_message'),
  /** Implied by the path on /ws/chat/:conversation_id/. */
  conversation_id: id.optional(),
  content: text(),
  /** Optional for old clients: the server then assigns one and cannot recognise a retry. */
  client_msg_id: clientMsgId.optional(),
  reply_to: id.nullish(),
  attachments: z.array(attachmentRefSchema).max(10).nullish(),
});

export const typingIndicatorFrameSchema = z.object({
  type: z.literal('typing_indicator'),
  conversation_id: id.optional(),
  is_typing: z.boolean(),
});

/** Staff say they have a conversation open (issue 14): their colleagues see it, the patient does not. */
export const viewingFrameSchema = z.object({
  type: z.literal('viewing'),
  conversation_id: id.optional(),
  is_viewing: z.boolean(),
});

export const readReceiptFrameSchema = z
  .object({
    type: z.literal('read_receipt'),
    conversation_id: id.optional(),
    seq: seq.optional(),
    message_id: id.optional(),
  })
  .refine((f) => f.seq !== undefined || f.message_id !== undefined, {
    message: 'read_receipt needs seq or message_id',
  });

/** A device says it has received a conversation's messages up to `seq` (the grey double tick). */
export const deliveryReceiptFrameSchema = z.object({
  type: z.literal('delivery_receipt'),
  conversation_id: id.optional(),
  seq,
});

/** One emoji: pictographs, with joiners, variation selectors and skin tones; no text. */
export const emojiSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u200d|\ufe0f)+$/u, 'must be an emoji');

export const addReactionFrameSchema = z.object({
  type: z.literal('add_reaction'),
  message_id: id,
  emoji: emojiSchema,
});

export const removeReactionFrameSchema = z.object({
  type: z.literal('remove_reaction'),
  message_id: id,
  emoji: emojiSchema,
});

export const editMessageFrameSchema = z.object({
  type: z.literal('edit_message'),
  message_id: id,
  content: text(),
});

export const deleteMessageFrameSchema = z.object({
  type: z.literal('delete_message'),
  message_id: id,
});

export const resumeFrameSchema = z.object({
  type: z.literal('resume'),
  cursors: z
    .record(id, seq)
    .refine(
      (cursors) => Object.keys(cursors).length <= MAX_RESUME_CONVERSATIONS,
      `names at most ${MAX_RESUME_CONVERSATIONS} conversations`,
    ),
});

export const pingFrameSchema = z.object({
  type: z.literal('ping'),
});

const frameSchemas = {
  chat_message: chatMessageFrameSchema,
  typing_indicator: typingIndicatorFrameSchema,
  viewing: viewingFrameSchema,
  read_receipt: readReceiptFrameSchema,
  delivery_receipt: deliveryReceiptFrameSchema,
  add_reaction: addReactionFrameSchema,
  remove_reaction: removeReactionFrameSchema,
  edit_message: editMessageFrameSchema,
  delete_message: deleteMessageFrameSchema,
  resume: resumeFrameSchema,
  ping: pingFrameSchema,
} as const;

export type ClientFrameType = keyof typeof frameSchemas;
export const CLIENT_FRAME_TYPES = Object.keys(frameSchemas) as ClientFrameType[];

export type ChatMessageFrame = z.infer<typeof chatMessageFrameSchema>;
export type TypingIndicatorFrame = z.infer<typeof typingIndicatorFrameSchema>;
export type ViewingFrame = z.infer<typeof viewingFrameSchema>;
export type ReadReceiptFrame = z.infer<typeof readReceiptFrameSchema>;
export type DeliveryReceiptFrame = z.infer<typeof deliveryReceiptFrameSchema>;
export type AddReactionFrame = z.infer<typeof addReactionFrameSchema>;
export type RemoveReactionFrame = z.infer<typeof removeReactionFrameSchema>;
export type EditMessageFrame = z.infer<typeof editMessageFrameSchema>;
export type DeleteMessageFrame = z.infer<typeof deleteMessageFrameSchema>;
export type ResumeFrame = z.infer<typeof resumeFrameSchema>;
export type PingFrame = z.infer<typeof pingFrameSchema>;

export type ClientFrame =
  | ChatMessageFrame
  | TypingIndicatorFrame
  | ViewingFrame
  | ReadReceiptFrame
  | DeliveryReceiptFrame
  | AddReactionFrame
  | RemoveReactionFrame
  | EditMessageFrame
  | DeleteMessageFrame
  | ResumeFrame
  | PingFrame;

export type DecodeResult =
  | { ok: true; frame: ClientFrame }
  /** `ref` is the frame's client_msg_id or message_id when one could be read, for the error frame. */
  | { ok: false; message: string; ref?: string };

/** Decodes one text frame. Never throws: bad input becomes a reason to put in an error frame. */
export function decodeClientFrame(text: string): DecodeResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'frame is not valid JSON' };
  }
  return decodeClientFrameValue(raw);
}

export function decodeClientFrameValue(raw: unknown): DecodeResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, message: 'frame must be a JSON object' };
  }
  const record = raw as Record<string, unknown>;
  const ref = refOf(record);
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(frameSchemas, type)) {
    return { ok: false, message: 'unknown or missing frame type', ref };
  }
  const parsed = frameSchemas[type as ClientFrameType].safeParse(raw);
  if (!parsed.success) {
    return { ok: false, message: describeIssues(parsed.error), ref };
  }
  return { ok: true, frame: parsed.data as ClientFrame };
}

function refOf(record: Record<string, unknown>): string | undefined {
  for (const key of ['client_msg_id', 'message_id'] as const) {
    const value = record[key];
    if (typeof value === 'string' && value.length > 0 && value.length <= 100) return value;
  }
  return undefined;
}

/** A short, content-free description of what was wrong: field paths and expectations only. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : 'frame';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
