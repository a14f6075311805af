import {
  type Conversation,
  combinedStatus,
  type Message,
  type ReceiptStatus,
  receiptStatus,
} from '@carechat/protocol';

/**
 * An own message's tick for its sender: the least advanced of the other participants' states
 * (`receiptStatus` in @carechat/protocol: read implies delivered). The participants' markers move
 * live (`read_receipt`, `delivery_receipt`); the message's own `read_by` / `delivered_to` are what
 * the server knew when it rendered it, so either one is enough.
 */
export function messageTick(message: Message, conversation: Conversation, meId: string): ReceiptStatus {
  return combinedStatus(
    conversation.participants
      .filter((p) => p.user.id !== meId)
      .map((p) => {
        if (message.read_by.includes(p.user.id)) return 'read';
        const live = receiptStatus(p.last_delivered_seq, p.last_read_seq, message.seq);
        return live === 'sent' && message.delivered_to.includes(p.user.id) ? 'delivered' : live;
      }),
  );
}
