import type { Clock } from '../core/ports/clock.js';
import type { Mailer } from '../core/ports/mailer.js';
import {
  DEFAULT_PREFERENCES,
  type DueNotificationRecord,
  type NotificationStore,
} from '../core/ports/notification-store.js';
import type { PushSender } from '../core/ports/push-sender.js';
import type { Store } from '../core/ports/store.js';
import {
  digestEmail,
  type MailLinks,
  messageEmail,
  messagePush,
  pushTopic,
  withdrawPush,
} from './notification-content.js';
import { isQuiet, quietEndsAfter } from './quiet-hours.js';
import type { UnsubscribeTokens } from './unsubscribe-token.js';

export interface DispatcherDeps {
  store: Store;
  notifications: NotificationStore;
  clock: Clock;
  push: PushSender | undefined;
  mailer: Mailer | undefined;
  unsubscribe: UnsubscribeTokens;
  publicUrl: string;
  /** This node, as the owner of its leases. */
  nodeId: string;
  /** A node killed while sending leaves its lease to expire; then another node takes the row. */
  leaseMs: number;
  onError: (error: unknown) => void;
  /** Counts each row's outcome (metrics). */
  onOutcome?: (step: DueNotificationRecord['step'], outcome: Outcome) => void;
}

/** A send that fails this many times is given up (logged, counted as skipped). */
const MAX_ATTEMPTS = 5;
const BATCH = 20;
/** A push nobody picked up within a day is not worth showing any more. */
const PUSH_TTL_SECONDS = 86_400;

export type Outcome = 'sent' | 'skipped' | 'postponed' | 'failed';

/**
 * Sends due notifications: claims rows with a lease (so each is taken by one node), decides again
 * at the moment of sending whether it is still wanted (read meanwhile, muted, turned off, quiet
 * hours), sends, and records the outcome under its lease.
 */
export class NotificationDispatcher {
  #running: Promise<number> | undefined;
  #again = false;

  constructor(private readonly d: DispatcherDeps) {}

  /**
   * Sends everything due now; resolves with how many rows it handled. Calls made while a run is
   * going join it and cause one more pass after it, so nothing written meanwhile waits a tick.
   */
  runOnce(): Promise<number> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Resolves once no run is under way. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #drain(): Promise<number> {
    let handled = 0;
    do {
      this.#again = false;
      for (;;) {
        const now = this.d.clock.now();
        const rows = await this.d.notifications.claimDue(
          this.d.nodeId,
          now.toISOString(),
          new Date(now.getTime() + this.d.leaseMs).toISOString(),
          BATCH,
        );
        for (const row of rows) {
          await this.handle(row);
          handled += 1;
        }
        if (rows.length < BATCH) break;
      }
    } while (this.#again);
    return handled;
  }

  /** One claimed row, to its end: sent, skipped, or given back for later. */
  async handle(row: DueNotificationRecord): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await this.decideAndSend(row);
    } catch (error) {
      this.d.onError(error);
      outcome = 'failed';
    }
    this.d.onOutcome?.(row.step, outcome);
    const now = this.d.clock.now();
    if (outcome === 'failed') {
      if (row.attempts >= MAX_ATTEMPTS)
        await this.d.notifications.finish(row.id, this.d.nodeId, 'skipped', now.toISOString());
      else {
        const retry = new Date(now.getTime() + 30_000 * 2 ** row.attempts);
        await this.d.notifications.postpone(row.id, this.d.nodeId, retry.toISOString());
      }
    } else if (outcome !== 'postponed') {
      await this.d.notifications.finish(row.id, this.d.nodeId, outcome, now.toISOString());
    }
    return outcome;
  }

  private async decideAndSend(row: DueNotificationRecord): Promise<Outcome> {
    if (row.step === 'withdraw')
      return this.sendPush(row, JSON.stringify(withdrawPush(row.conversationId)), 'normal');
    const user = await this.d.store.findUserById(row.userId);
    if (!user || (user.status ?? 'active') !== 'active') return 'skipped';
    const preferences = (await this.d.notifications.getPreferences(row.userId)) ?? DEFAULT_PREFERENCES;
    if (row.step === 'push' ? !preferences.pushEnabled : !preferences.emailEnabled) return 'skipped';
    const unread =
      row.step === 'digest' ? await this.unreadConversations(row.userId) : await this.stillUnread(row);
    if (unread === 0) return 'skipped';
    const now = this.d.clock.now();
    if (isQuiet(preferences.quietHours, now)) {
      const after = quietEndsAfter(preferences.quietHours, now);
      await this.d.notifications.postpone(row.id, this.d.nodeId, after.toISOString());
      return 'postponed';
    }
    if (row.step === 'push') {
      return this.sendPush(row, JSON.stringify(messagePush(row.conversationId, this.d.publicUrl)), 'high');
    }
    // A deleted account's address is rewritten to the reserved .invalid domain (RFC 2606).
    if (!this.d.mailer || user.email.endsWith('.invalid')) return 'skipped';
    const links = this.links(row);
    await this.d.mailer.send(
      row.step === 'digest'
        ? digestEmail(user.email, unread, links)
        : messageEmail(user.email, row.conversationId, links),
    );
    return 'sent';
  }

  /**
   * 1 while the conversation the person still follows holds a message of this streak they have not
   * read (the store's unread rule: not their own, not deleted), else 0.
   */
  private async stillUnread(row: DueNotificationRecord): Promise<number> {
    const self = await this.d.store.findParticipant(row.conversationId, row.userId);
    if (!self || self.muted || self.lastReadSeq >= row.seq) return 0;
    const counts = await this.d.store.countUnread(row.userId, [row.conversationId]);
    return (counts.get(row.conversationId) ?? 0) > 0 ? 1 : 0;
  }

  /** How many of the person's conversations (not muted) have unread messages. */
  private async unreadConversations(userId: string): Promise<number> {
    const rows = await this.d.store.listUnreadOfUser(userId);
    return rows.filter((row) => !row.muted && row.unreadCount > 0).length;
  }

  /** To every device of the person; a device the push service says is gone is forgotten. */
  private async sendPush(
    row: DueNotificationRecord,
    payload: string,
    urgency: 'normal' | 'high',
  ): Promise<Outcome> {
    if (!this.d.push) return 'skipped';
    const subscriptions = await this.d.notifications.listPushSubscriptions(row.userId);
    const topic = pushTopic(row.userId, row.conversationId, row.round);
    let sent = 0;
    let failed = 0;
    for (const subscription of subscriptions) {
      try {
        const result = await this.d.push.send(subscription, payload, {
          topic,
          ttlSeconds: PUSH_TTL_SECONDS,
          urgency,
        });
        if (result === 'gone') await this.d.notifications.deletePushEndpoint(subscription.endpoint);
        else sent += 1;
      } catch (error) {
        this.d.onError(error);
        failed += 1;
      }
    }
    // Some devices got it: done (a retry would show it twice on those). None did, but some failed: again later.
    if (sent > 0) return 'sent';
    return failed > 0 ? 'failed' : 'skipped';
  }

  private links(row: DueNotificationRecord): MailLinks {
    const token = this.d.unsubscribe.issue(row.userId);
    const host = new URL(this.d.publicUrl).hostname;
    return {
      publicUrl: this.d.publicUrl,
      unsubscribeUrl: `${this.d.publicUrl}/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
      messageId: `<${row.id}@${host}>`,
    };
  }
}
