import type { Message } from '@carechat/protocol';

/** A wire message for unit tests: seq `seq` in conversation `c1`, from someone else. */
export function testMessage(seq: number, extra: Partial<Message> = {}): Message {
  return {
    message_id: `m${seq}`,
    conversation_id: 'c1',
    seq,
    sender_id: 'other',
    sender_name: 'Other',
    content: `#${seq}`,
    client_msg_id: `k${seq}`,
    reply_to: null,
    reply_preview: null,
    attachments: [],
    timestamp: '2026-01-05T10:00:00.000Z',
    is_edited: false,
    is_deleted: false,
    read_by: [],
    delivered_to: [],
    reactions: [],
    ...extra,
  };
}
