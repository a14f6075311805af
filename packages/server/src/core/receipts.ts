import type { ReadResponse } from '@carechat/protocol';
import { deliveredSeq, unreadTotal } from '@carechat/protocol';
import { accessMessage } from './access.js';
import type { Actor } from './actor.js';
import { CoreError } from './errors.js';
import { domainEvent, userIdsOf } from './events.js';
import type { Bus } from './ports/bus.js';
import type { MessageRecord } from './ports/message-store.js';
import type { Store } from './ports/store.js';
import type { RememberedAccess } from './remembered-access.js';

export interface ReceiptDeps {
  store: Store;
  bus: Bus;
  /** The access check of a receipt, from a participant list kept current by events. */
  access: RememberedAccess;
}

export interface ReceiptTarget {
  conversationId?: string | undefined;
  seq?: number | undefined;
  /** Marks up to this message; its conversation is used when none is given. */
  messageId?: string | undefined;
}

/**
 * Delivery and read markers: per participant, forward only, capped at the conversation's last
 * seq. Every participant's devices hear of a move, so ticks and unread badges agree everywhere.
 */
export class ReceiptService {
  constructor(private readonly d: ReceiptDeps) {}

  /**
   * The user has read the conversation up to seq. Clients send one as each message is seen, so,
   * like a delivery receipt, it takes its access from the remembered participant list and lets
   * the store cap the marker at the conversation's last seq as it writes (a remembered last seq
   * may be a second old). The marker it moved is remembered too, so a repeated receipt is not
   * announced again; one repeated on another node within that second may be, and clients ignore
   * it (markers only move forward).
   */
  async markRead(actor: Actor, target: ReceiptTarget): Promise<ReadResponse> {
    const { conversationId, seq, message } = await this.resolve(actor, target);
    const { participants, self } = await this.d.access.check(actor, conversationId);
    const marker = await this.d.store.advanceReadMarker(conversationId, actor.userId, seq);
    this.d.access.noteMarker(conversationId, actor.userId, 'lastReadSeq', marker);
    const unread = await this.unread(actor);
    const unreadCount = unread.conversations[conversationId] ?? 0;
    if (marker > self.lastReadSeq) {
      // The event names the message at the marker: usually the one the receipt named.
      const at =
        message?.seq === marker ? message : await this.d.store.findMessageBySeq(conversationId, marker);
      await this.d.bus.publish(
        domainEvent('receipt.read', userIdsOf(participants), {
          conversationId,
          userId: actor.userId,
          seq: marker,
          messageId: at?.id ?? null,
        }),
      );
      await this.d.bus.publish(
        domainEvent('unread.changed', [actor.userId], {
          conversationId,
          unreadCount,
          totalUnread: unread.total,
        }),
      );
    }
    return { conversation_id: conversationId, last_read_seq: marker, unread_count: unreadCount };
  }

  /**
   * A device has received the conversation's messages up to seq (the sender's "delivered" tick).
   * Every device sends one for every message it gets, so it reads nothing: access comes from the
   * remembered participant list (up to a second old), the store caps the marker at the
   * conversation's last seq as it writes, and a marker the remembered row already shows passed
   * is answered without a write (the row remembers what receipts on this node moved). A receipt
   * repeated on another node within that second may be announced twice; markers only move
   * forward, so clients ignore the repeat.
   */
  async markDelivered(actor: Actor, target: ReceiptTarget): Promise<number> {
    const { conversationId, seq } = await this.resolve(actor, target);
    const { participants, self } = await this.d.access.check(actor, conversationId);
    const received = deliveredSeq(self.lastDeliveredSeq, self.lastReadSeq);
    if (seq <= received) return received;
    const marker = await this.d.store.advanceDeliveryMarker(conversationId, actor.userId, seq);
    this.d.access.noteMarker(conversationId, actor.userId, 'lastDeliveredSeq', marker);
    if (marker > self.lastDeliveredSeq) {
      await this.d.bus.publish(
        domainEvent('receipt.delivered', userIdsOf(participants.filter((p) => p.userId !== actor.userId)), {
          conversationId,
          userId: actor.userId,
          seq: marker,
        }),
      );
    }
    return marker;
  }

  /** Unread counts of all the user's conversations and their total (`unreadTotal`: muted left out). */
  async unread(actor: Actor): Promise<{ total: number; conversations: Record<string, number> }> {
    // The store counts the isUnread rule of @carechat/protocol in SQL.
    const rows = await this.d.store.listUnreadOfUser(actor.userId);
    const entries = rows.map((row) => ({
      id: row.conversationId,
      unread_count: row.unreadCount,
      muted: row.muted,
    }));
    return {
      total: unreadTotal(entries),
      conversations: Object.fromEntries(entries.map((e) => [e.id, e.unread_count])),
    };
  }

  /** The conversation and seq a receipt names, and the message when it names one. */
  private async resolve(
    actor: Actor,
    target: ReceiptTarget,
  ): Promise<{ conversationId: string; seq: number; message?: MessageRecord }> {
    let { conversationId, seq } = target;
    let message: MessageRecord | undefined;
    if (target.messageId !== undefined) {
      message = await accessMessage(this.d.store, actor, target.messageId);
      if (conversationId !== undefined && message.conversationId !== conversationId) {
        throw new CoreError('not_found', 'The message is not in this conversation.');
      }
      conversationId = message.conversationId;
      seq = Math.max(seq ?? 0, message.seq);
    }
    if (conversationId === undefined || seq === undefined) {
      throw new CoreError('invalid_request', 'Say which conversation and seq (or message_id).');
    }
    return { conversationId, seq, ...(message ? { message } : {}) };
  }
}
