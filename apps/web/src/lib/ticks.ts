import type { Conversation, Message } from '@carechat/protocol';

/**
 * An own message's state for its sender: read once every other participant's read marker has
 * reached it, delivered once every other participant's devices have it (a read marker counts as
 * delivery), else sent. The participants' markers move live (read_receipt, delivery_receipt);
 * the message's own read_by / delivered_to are what the server knew when it was rendered.
 */
export function tickOf(
  message: Message,
  conversation: Conversation,
  meId: string,
): 'sent' | 'delivered' | 'read' {
  const others = conversation.participants.filter((p) => p.user.id !== meId);
  if (others.length === 0) return 'sent';
  const read = others.every((p) => p.last_read_seq >= message.seq || message.read_by.includes(p.user.id));
  if (read) return 'read';
  const delivered = others.every(
    (p) =>
      Math.max(p.last_delivered_seq, p.last_read_seq) >= message.seq ||
      message.delivered_to.includes(p.user.id) ||
      message.read_by.includes(p.user.id),
  );
  return delivered ? 'delivered' : 'sent';
}
