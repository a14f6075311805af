import type { Conversation, Message, Participant } from '@carechat/protocol';
import { describe, expect, it } from 'vitest';
import { messageTick } from '../src/ticks.js';

const participant = (id: string, read: number, delivered: number): Participant => ({
  user: { id, name: id, role: 'patient' },
  online: true,
  last_seen_at: null,
  last_read_seq: read,
  last_delivered_seq: delivered,
});

const conversation = (...others: Participant[]): Conversation => ({
  id: 'c1',
  kind: others.length > 1 ? 'group' : 'direct',
  appointment_id: null,
  participants: [participant('me', 9, 9), ...others],
  last_message: null,
  unread_count: 0,
  muted: false,
  pinned: false,
  last_seq: 9,
  state: 'open',
  read_only_reason: null,
  open_until: null,
  created_at: '2026-01-05T10:00:00.000Z',
  last_activity_at: '2026-01-05T10:00:00.000Z',
});

const message = (seq: number, extra: Partial<Message> = {}): Message => ({
  message_id: `m${seq}`,
  conversation_id: 'c1',
  seq,
  sender_id: 'me',
  sender_name: 'Me',
  content: 'hi',
  client_msg_id: `k${seq}`,
  reply_to: null,
  reply_preview: null,
  attachments: [],
  timestamp: '2026-01-05T10:00:00.000Z',
  is_edited: false,
  is_deleted: false,
  delivered_to: [],
  read_by: [],
  reactions: [],
  ...extra,
});

describe('messageTick (sent, delivered, read for the sender)', () => {
  it('follows the other participant’s markers', () => {
    expect(messageTick(message(5), conversation(participant('a', 0, 4)), 'me')).toBe('sent');
    expect(messageTick(message(5), conversation(participant('a', 0, 5)), 'me')).toBe('delivered');
    expect(messageTick(message(5), conversation(participant('a', 5, 0)), 'me')).toBe('read');
  });

  it('needs everyone in a group', () => {
    const group = conversation(participant('a', 9, 9), participant('b', 2, 5));
    expect(messageTick(message(5), group, 'me')).toBe('delivered');
    expect(messageTick(message(6), group, 'me')).toBe('sent');
  });

  it('takes what the server said in the message itself', () => {
    const c = conversation(participant('a', 0, 0));
    expect(messageTick(message(5, { delivered_to: ['a'] }), c, 'me')).toBe('delivered');
    expect(messageTick(message(5, { read_by: ['a'] }), c, 'me')).toBe('read');
  });
});

describe('messageTick edges', () => {
  it('is sent with nobody else in the conversation', () => {
    expect(messageTick(message(5), conversation(), 'me')).toBe('sent');
  });

  it('a read marker counts as delivery (read implies delivered)', () => {
    const group = conversation(participant('a', 5, 0), participant('b', 0, 5));
    expect(messageTick(message(5), group, 'me')).toBe('delivered');
  });

  it('combines the rendered message with live markers per participant', () => {
    const group = conversation(participant('a', 5, 0), participant('b', 0, 0));
    expect(messageTick(message(5, { read_by: ['b'] }), group, 'me')).toBe('read');
    expect(messageTick(message(5, { delivered_to: ['b'] }), group, 'me')).toBe('delivered');
  });
});
