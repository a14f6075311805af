import type {
  NotificationSettingsResponse,
  PushSubscriptionBody,
  UpdateNotificationSettingsBody,
} from '@carechat/protocol';
import type { Actor } from '../core/actor.js';
import type { AuditLog } from '../core/audit.js';
import { CoreError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Clock } from '../core/ports/clock.js';
import {
  DEFAULT_PREFERENCES,
  type NotificationPreferences,
  type NotificationStore,
} from '../core/ports/notification-store.js';
import type { UnsubscribeTokens } from './unsubscribe-token.js';

export interface PreferenceDeps {
  notifications: NotificationStore;
  clock: Clock;
  audit: AuditLog;
  unsubscribe: UnsubscribeTokens;
  vapidPublicKey: string | undefined;
  emailAvailable: boolean;
  /** The push services whose endpoints are accepted (NOTIFY_PUSH_HOSTS). */
  pushHosts: readonly string[];
}

/** What each person decides: push and email on or off, quiet hours, and their devices' subscriptions. */
export class NotificationPreferenceService {
  constructor(private readonly d: PreferenceDeps) {}

  async get(actor: Actor): Promise<NotificationSettingsResponse> {
    return this.render((await this.d.notifications.getPreferences(actor.userId)) ?? DEFAULT_PREFERENCES);
  }

  async update(actor: Actor, body: UpdateNotificationSettingsBody): Promise<NotificationSettingsResponse> {
    const current = (await this.d.notifications.getPreferences(actor.userId)) ?? DEFAULT_PREFERENCES;
    const next: NotificationPreferences = {
      pushEnabled: body.push_enabled ?? current.pushEnabled,
      emailEnabled: body.email_enabled ?? current.emailEnabled,
      quietHours:
        body.quiet_hours === undefined
          ? current.quietHours
          : body.quiet_hours && {
              start: body.quiet_hours.start,
              end: body.quiet_hours.end,
              timeZone: body.quiet_hours.time_zone,
            },
    };
    await this.d.notifications.putPreferences(actor.userId, next, this.d.clock.now().toISOString());
    this.d.audit.record(actor, 'settings.changed', {
      targetUserId: actor.userId,
      detail: {
        push_notifications: next.pushEnabled,
        email_notifications: next.emailEnabled,
        quiet_hours: next.quietHours !== null,
      },
    });
    return this.render(next);
  }

  /** This device (the actor's session) receives pushes from now on. */
  async subscribe(actor: Actor, body: PushSubscriptionBody): Promise<void> {
    if (this.d.vapidPublicKey === undefined) {
      throw new CoreError('invalid_request', 'This server does not send push notifications.');
    }
    // The server will POST to this URL: only to the push services browsers use, never anywhere a
    // client names (an internal address, say).
    if (!isPushHost(new URL(body.endpoint).hostname, this.d.pushHosts)) {
      throw new CoreError('invalid_request', 'The endpoint is not a known push service.');
    }
    await this.d.notifications.putPushSubscription({
      id: newId('psub'),
      userId: actor.userId,
      sessionId: actor.sessionId,
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      createdAt: this.d.clock.now().toISOString(),
    });
  }

  async unsubscribe(actor: Actor, endpoint: string): Promise<boolean> {
    return this.d.notifications.deletePushSubscription(actor.userId, endpoint);
  }

  /** The link in an email, without signing in: email off for the person it was sent to. */
  async unsubscribeEmail(token: string): Promise<boolean> {
    const userId = this.d.unsubscribe.verify(token);
    if (userId === undefined) return false;
    const current = (await this.d.notifications.getPreferences(userId)) ?? DEFAULT_PREFERENCES;
    await this.d.notifications.putPreferences(
      userId,
      { ...current, emailEnabled: false },
      this.d.clock.now().toISOString(),
    );
    this.d.audit.record({ userId, door: 'http' }, 'settings.changed', {
      targetUserId: userId,
      detail: { email_notifications: false, via: 'unsubscribe_link' },
    });
    return true;
  }

  private render(p: NotificationPreferences): NotificationSettingsResponse {
    return {
      push_enabled: p.pushEnabled,
      email_enabled: p.emailEnabled,
      quiet_hours: p.quietHours && {
        start: p.quietHours.start,
        end: p.quietHours.end,
        time_zone: p.quietHours.timeZone,
      },
      available: { push: this.d.vapidPublicKey !== undefined, email: this.d.emailAvailable },
      vapid_public_key: this.d.vapidPublicKey ?? null,
    };
  }
}

/** `host` is one of `hosts`, or under one written with a leading dot (`.push.apple.com`). */
export function isPushHost(host: string, hosts: readonly string[]): boolean {
  const name = host.toLowerCase();
  return hosts.some((h) => (h.startsWith('.') ? name.endsWith(h) : name === h));
}
