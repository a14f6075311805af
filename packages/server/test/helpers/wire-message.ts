import type { Message } from '@carechat/protocol';

/** A message as the wire carries it, for tests of the live layer that need no store. */
export function wireMessage(seq: number, fields: Partial<Message> = {}): Message {
  return {
    message_id: `m${seq}`,
    conversation_id: 'c1',
    seq,
    sender_id: 'u2',
    sender_name: 'Sender',
    content: `#${seq}`,
    client_msg_id: `cm${seq}`,
    reply_to: null,
    reply_preview: null,
    attachments: [],
    timestamp: '2026-01-05T10:00:00.000Z',
    is_edited: false,
    is_deleted: false,
    delivered_to: [],
    read_by: [],
    reactions: [],
    ...fields,
  };
}
