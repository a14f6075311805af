import type { Attachment, Message, ReplyPreview } from './models.js';

/**
 * The rules every side applies to the wire shapes, each written once: the server (rendering and
 * receipts), the SDK and the web app call these instead of keeping their own copies. Pure, no
 * dependencies: they cost the SDK bundle next to nothing. docs/client.md ("Shared rules") lists
 * them; docs/protocol.md states the wire-level meaning.
 */

// ── Delivery and read state ─────────────────────────────────────────────────────────────────────

/** A message's state for its sender: stored (has a seq), received by the others' devices, read. */
export type ReceiptStatus = 'sent' | 'delivered' | 'read';

/**
 * Read implies delivered: the highest seq a participant is known to have received is the larger
 * of their delivery and read markers (reading on one device is proof the messages arrived).
 */
export function deliveredSeq(lastDeliveredSeq: number, lastReadSeq: number): number {
  return Math.max(lastDeliveredSeq, lastReadSeq);
}

/** Where one participant stands with the message at `seq`, from their markers. */
export function receiptStatus(lastDeliveredSeq: number, lastReadSeq: number, seq: number): ReceiptStatus {
  if (lastReadSeq >= seq) return 'read';
  return deliveredSeq(lastDeliveredSeq, lastReadSeq) >= seq ? 'delivered' : 'sent';
}

/**
 * A message's state for its sender over all the other participants: the least advanced of theirs
 * (read once everyone has read it, delivered once everyone's devices have it). With nobody else
 * in the conversation it stays `sent`.
 */
export function combinedStatus(statuses: Iterable<ReceiptStatus>): ReceiptStatus {
  const rank = { sent: 0, delivered: 1, read: 2 } as const;
  let least: ReceiptStatus | undefined;
  for (const status of statuses) if (least === undefined || rank[status] < rank[least]) least = status;
  return least ?? 'sent';
}

// ── Unread ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Whether a message is unread for a viewer whose read marker is at `lastReadSeq`: it comes after
 * the marker, someone else sent it, and it is not deleted. The server counts the same rule in SQL
 * (`countUnread` in packages/server/src/store/kysely-store.ts), which is where `unread_count` comes
 * from; clients use this to count a live message before the server's next count arrives.
 */
export function isUnread(
  message: Pick<Message, 'seq' | 'sender_id' | 'is_deleted'>,
  viewerId: string,
  lastReadSeq: number,
): boolean {
  return message.seq > lastReadSeq && message.sender_id !== viewerId && !message.is_deleted;
}

/**
 * The unread total: the sum of the conversations' unread counts, muted conversations left out (a
 * muted conversation keeps its own `unread_count` but does not call for attention). It is the
 * `total_unread` of `unread_changed`, the `total` of `GET /api/unread`, and the app's badge and
 * document title.
 */
export function unreadTotal(conversations: Iterable<{ unread_count: number; muted: boolean }>): number {
  let total = 0;
  for (const c of conversations) if (!c.muted) total += c.unread_count;
  return total;
}

// ── Rendering ───────────────────────────────────────────────────────────────────────────────────

/** What a deleted message shows in place of its content, wherever it is shown. */
export const DELETED_MESSAGE_TEXT = 'This message was deleted';

/** What a deleted message carries on the wire: it keeps its seq, loses content and attachments. */
export function deletedMessageFields(): Pick<Message, 'content' | 'attachments' | 'is_deleted'> {
  return { content: '', attachments: [], is_deleted: true };
}

/** How many characters of a quoted message a reply carries (`reply_preview.snippet`). */
export const SNIPPET_LENGTH = 120;

/** The `snippet` of a reply preview: the quoted message's first characters, empty once deleted. */
export function replySnippet(content: string, isDeleted: boolean): string {
  return isDeleted ? '' : [...content].slice(0, SNIPPET_LENGTH).join('');
}

/** The text a reply's quote shows. */
export function quoteText(preview: Pick<ReplyPreview, 'snippet' | 'is_deleted'>): string {
  return preview.is_deleted ? DELETED_MESSAGE_TEXT : preview.snippet;
}

/** How much of a message a notification preview shows. */
export const PREVIEW_CHARS = 100;

/** A notification's `preview`: the trimmed content, cut to PREVIEW_CHARS with an ellipsis. */
export function notificationPreview(content: string): string {
  const chars = [...content.trim()];
  return chars.length <= PREVIEW_CHARS ? chars.join('') : `${chars.slice(0, PREVIEW_CHARS - 1).join('')}…`;
}

/** How an attachment-only message is summed up in one line. */
export function attachmentsSummary(attachments: readonly Pick<Attachment, 'name'>[]): string {
  const [first] = attachments;
  return first ? `📎 ${first.name}` : '';
}

/**
 * A message in one line (a conversation list's last message): the deleted placeholder, else its
 * text, else its attachments.
 */
export function messageSummary(message: Pick<Message, 'content' | 'attachments' | 'is_deleted'>): string {
  if (message.is_deleted) return DELETED_MESSAGE_TEXT;
  return message.content || attachmentsSummary(message.attachments);
}
