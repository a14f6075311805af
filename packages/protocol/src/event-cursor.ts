import { MAX_RESUME_CONVERSATIONS } from './limits.js';
import { isStorableText } from './storable-text.js';

/**
 * The position of an event stream (SSE `id:` / `Last-Event-ID`, long-poll `cursor`): the last seq
 * the client holds of each conversation. Messages come from the durable store, so resuming from
 * it is exact on any node and after any restart; typing and presence are not replayed.
 *
 * On the wire it is opaque (base64url of a small JSON document); the SDK builds its own from the
 * seqs it holds, with these helpers. See docs/decisions/0001-event-cursor.md.
 */
export interface EventCursor {
  /** conversation_id -> last seq held (0 = none of it yet). */
  seqs: Record<string, number>;
  /**
   * True when `seqs` names every conversation the user had when the cursor was made (the server's
   * own cursors): a conversation missing from it is new, and is replayed from its first message.
   * False (a client's partial cursor): conversations it does not name start from now.
   */
  all: boolean;
}

/**
 * Larger cursors are refused (the same cap as a `resume` frame's); a user in more conversations
 * than this resumes per conversation.
 */
export const MAX_CURSOR_CONVERSATIONS = MAX_RESUME_CONVERSATIONS;
export const MAX_CURSOR_LENGTH = 200_000;

/**
 * The cursor's wire form, `{v: 1, s: {conversation_id: seq}, a: 0 | 1}`, checked by hand: the
 * SDK decodes cursors in the browser, where a schema library would be most of its bundle.
 */
function checkWireCursor(raw: unknown): EventCursor | undefined {
  if (!isPlainObject(raw) || raw.v !== 1 || (raw.a !== 0 && raw.a !== 1) || !isPlainObject(raw.s)) {
    return undefined;
  }
  const entries = Object.entries(raw.s);
  if (entries.length > MAX_CURSOR_CONVERSATIONS) return undefined;
  for (const [conversationId, seq] of entries) {
    if (conversationId.length < 1 || conversationId.length > 64 || !isStorableText(conversationId)) {
      return undefined;
    }
    if (!Number.isSafeInteger(seq) || (seq as number) < 0) return undefined;
  }
  // fromEntries defines own properties, so even a key named "__proto__" stays a plain key.
  return { seqs: Object.fromEntries(entries) as Record<string, number>, all: raw.a === 1 };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function encodeEventCursor(cursor: EventCursor): string {
  const json = JSON.stringify({ v: 1, s: cursor.seqs, a: cursor.all ? 1 : 0 });
  return toBase64Url(json);
}

/** Undefined when the text is not a cursor this version understands. Never throws. */
export function decodeEventCursor(text: string): EventCursor | undefined {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text))
    return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fromBase64Url(text));
  } catch {
    return undefined;
  }
  return checkWireCursor(raw);
}

// btoa/atob exist in browsers and Node 18+; they work on "binary strings", hence the UTF-8 step.
function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
