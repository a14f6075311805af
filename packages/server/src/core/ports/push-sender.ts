import type { PushSubscriptionRecord } from './notification-store.js';

/** Sends one encrypted Web Push message (RFC 8030/8291/8292) to one subscription. */
export interface PushSender {
  /**
   * `gone` when the push service answered 404 or 410 (the subscription no longer exists); throws
   * on other failures, so the row is tried again.
   */
  send(subscription: PushSubscriptionRecord, payload: string, options: PushOptions): Promise<'sent' | 'gone'>;
}

export interface PushOptions {
  /** A later push with the same topic replaces this one while it is still undelivered (RFC 8030 §5.4). */
  topic: string;
  ttlSeconds: number;
  urgency: 'normal' | 'high' | 'low';
}
