import { describe, expect, it } from 'vitest';
import {
  attachmentsSummary,
  combinedStatus,
  DELETED_MESSAGE_TEXT,
  deletedMessageFields,
  deliveredSeq,
  isUnread,
  messageSummary,
  notificationPreview,
  PREVIEW_CHARS,
  quoteText,
  receiptStatus,
  replySnippet,
  SNIPPET_LENGTH,
  unreadTotal,
} from '../src/index.js';

const file = (name: string) => ({ id: `att_${name}`, name, content_type: 'image/png', size: 1 });

describe('delivery and read state', () => {
  it('read implies delivered', () => {
    expect(deliveredSeq(3, 7)).toBe(7);
    expect(deliveredSeq(9, 7)).toBe(9);
    expect(receiptStatus(0, 5, 5)).toBe('read');
    expect(receiptStatus(0, 4, 5)).toBe('sent');
    expect(receiptStatus(5, 4, 5)).toBe('delivered');
    expect(receiptStatus(4, 4, 5)).toBe('sent');
    // A read marker past the message without any delivery marker: read (so delivered too).
    expect(receiptStatus(0, 8, 5)).toBe('read');
  });

  it('the sender sees the least advanced of the others', () => {
    expect(combinedStatus(['read', 'read'])).toBe('read');
    expect(combinedStatus(['read', 'delivered'])).toBe('delivered');
    expect(combinedStatus(['delivered', 'sent', 'read'])).toBe('sent');
    expect(combinedStatus([])).toBe('sent');
  });
});

describe('unread', () => {
  const message = (seq: number, sender = 'other', is_deleted = false) => ({
    seq,
    sender_id: sender,
    is_deleted,
  });

  it('counts what others sent after the read marker, not deleted', () => {
    expect(isUnread(message(6), 'me', 5)).toBe(true);
    expect(isUnread(message(5), 'me', 5)).toBe(false);
    expect(isUnread(message(6, 'me'), 'me', 0)).toBe(false);
    expect(isUnread(message(6, 'other', true), 'me', 0)).toBe(false);
  });

  it('the total leaves muted conversations out', () => {
    expect(
      unreadTotal([
        { unread_count: 2, muted: false },
        { unread_count: 5, muted: true },
        { unread_count: 1, muted: false },
      ]),
    ).toBe(3);
    expect(unreadTotal([])).toBe(0);
    expect(unreadTotal(new Map([['a', { unread_count: 4, muted: false }]]).values())).toBe(4);
  });
});

describe('rendering', () => {
  it('a deleted message loses content and attachments', () => {
    expect(deletedMessageFields()).toEqual({ content: '', attachments: [], is_deleted: true });
    // A fresh object each time: nobody shares (or mutates) another's attachments array.
    expect(deletedMessageFields().attachments).not.toBe(deletedMessageFields().attachments);
  });

  it('reply snippets: the first characters, by code point, empty once deleted', () => {
    const long = '😀'.repeat(SNIPPET_LENGTH + 5);
    expect([...replySnippet(long, false)]).toHaveLength(SNIPPET_LENGTH);
    expect(replySnippet('short', false)).toBe('short');
    expect(replySnippet('gone', true)).toBe('');
    expect(quoteText({ snippet: '', is_deleted: true })).toBe(DELETED_MESSAGE_TEXT);
    expect(quoteText({ snippet: 'hello', is_deleted: false })).toBe('hello');
  });

  it('notification previews: trimmed, cut with an ellipsis', () => {
    expect(notificationPreview('  Your results are in  ')).toBe('Your results are in');
    const cut = notificationPreview('é'.repeat(PREVIEW_CHARS + 1));
    expect([...cut]).toHaveLength(PREVIEW_CHARS);
    expect(cut.endsWith('…')).toBe(true);
    expect(notificationPreview('é'.repeat(PREVIEW_CHARS))).toBe('é'.repeat(PREVIEW_CHARS));
  });

  it('one-line summaries: placeholder, text, else the attachment', () => {
    const base = { content: 'Hello', attachments: [file('rash.png')], is_deleted: false };
    expect(messageSummary(base)).toBe('Hello');
    expect(messageSummary({ ...base, content: '' })).toBe('📎 rash.png');
    expect(messageSummary({ ...base, ...deletedMessageFields() })).toBe(DELETED_MESSAGE_TEXT);
    expect(messageSummary({ content: '', attachments: [], is_deleted: false })).toBe('');
    expect(attachmentsSummary([file('a.pdf'), file('b.pdf')])).toBe('📎 a.pdf');
  });
});
