import type { Agent } from 'node:https';
import webPush from 'web-push';
import type { PushSubscriptionRecord } from '../core/ports/notification-store.js';
import type { PushOptions, PushSender } from '../core/ports/push-sender.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` contact the push services may use (RFC 8292). */
  subject: string;
}

/** Web Push through the `web-push` library: VAPID-signed, aes128gcm-encrypted (RFC 8291). */
export class WebPushSender implements PushSender {
  constructor(
    private readonly vapid: VapidKeys,
    /** The HTTPS agent to reach push services with (tests trust their local endpoint's certificate). */
    private readonly agent?: Agent,
  ) {}

  async send(
    subscription: PushSubscriptionRecord,
    payload: string,
    options: PushOptions,
  ): Promise<'sent' | 'gone'> {
    try {
      await webPush.sendNotification(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        payload,
        {
          vapidDetails: this.vapid,
          TTL: options.ttlSeconds,
          topic: options.topic,
          urgency: options.urgency,
          contentEncoding: 'aes128gcm',
          timeout: 10_000,
          ...(this.agent ? { agent: this.agent } : {}),
        },
      );
      return 'sent';
    } catch (error) {
      if (error instanceof webPush.WebPushError && (error.statusCode === 404 || error.statusCode === 410)) {
        return 'gone';
      }
      // The library's error carries the endpoint and the service's answer: neither goes further.
      const status = error instanceof webPush.WebPushError ? error.statusCode : undefined;
      throw new Error(`push service refused (${status ?? 'no answer'})`);
    }
  }
}
