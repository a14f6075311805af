import { z } from 'zod';
import { HH_MM, isTimeZone } from './care.js';
import { text } from './text.js';

/**
 * Notifications that reach a person who is not looking (docs/notifications.md): their settings,
 * `GET/PATCH /api/me/notifications`, and their devices' Web Push subscriptions,
 * `POST/DELETE /api/me/push-subscriptions`.
 */
export interface NotificationSettingsResponse {
  push_enabled: boolean;
  email_enabled: boolean;
  /** Nothing is sent between `start` and `end` ("HH:MM") in `time_zone`; null: no quiet hours. */
  quiet_hours: QuietHours | null;
  /** What this server can send at all (VAPID keys and SMTP configured). */
  available: { push: boolean; email: boolean };
  /** The applicationServerKey for PushManager.subscribe; null when push is not configured. */
  vapid_public_key: string | null;
}

export interface QuietHours {
  start: string;
  end: string;
  time_zone: string;
}

export const quietHoursSchema = z
  .object({
    start: text().regex(HH_MM, 'must be HH:MM'),
    end: text().regex(HH_MM, 'must be HH:MM'),
    time_zone: text().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone'),
  })
  .strict()
  .refine((q) => q.start !== q.end, { message: 'start and end must differ', path: ['end'] });

export const updateNotificationSettingsBodySchema = z
  .object({
    push_enabled: z.boolean().optional(),
    email_enabled: z.boolean().optional(),
    quiet_hours: quietHoursSchema.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateNotificationSettingsBody = z.infer<typeof updateNotificationSettingsBodySchema>;

const base64url = (min: number, max: number) =>
  text()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+=*$/, 'must be base64url');

/** What `PushSubscription.toJSON()` gives in a browser. */
export const pushSubscriptionBodySchema = z.object({
  endpoint: text()
    .max(2048)
    .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'must be an https URL'),
  expirationTime: z.number().nullable().optional(),
  keys: z
    .object({
      // A 65-byte uncompressed P-256 point and a 16-byte secret, base64url.
      p256dh: base64url(86, 88),
      auth: base64url(22, 24),
    })
    .strict(),
});
export type PushSubscriptionBody = z.infer<typeof pushSubscriptionBodySchema>;

export const deletePushSubscriptionBodySchema = z.object({ endpoint: text().min(1).max(2048) }).strict();
