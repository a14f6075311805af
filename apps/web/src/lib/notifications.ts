import type { CarechatClient } from '@carechat/client';
import type { NotificationSettingsResponse, UpdateNotificationSettingsBody } from '@carechat/protocol';
import { navigate } from './router.js';

/**
 * Browser notifications for new messages while the tab is hidden. The server sends a
 * `notification` frame only for conversations the user has not muted, and without the message's
 * content; the notification says who wrote, nothing more. Permission is asked only when the
 * person presses the button for it (never on load), and a "not now" is remembered.
 */

const DISMISSED_KEY = 'carechat:notifications-dismissed';

export type NotificationAsk = 'ask' | 'granted' | 'denied' | 'unsupported' | 'dismissed';

export function notificationAsk(): NotificationAsk {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'granted') return 'granted';
  if (Notification.permission === 'denied') return 'denied';
  return localStorage.getItem(DISMISSED_KEY) ? 'dismissed' : 'ask';
}

export async function askNotificationPermission(): Promise<NotificationAsk> {
  if (typeof Notification === 'undefined') return 'unsupported';
  localStorage.setItem(DISMISSED_KEY, '1');
  await Notification.requestPermission();
  return notificationAsk();
}

export function dismissNotificationAsk(): void {
  localStorage.setItem(DISMISSED_KEY, '1');
}

/** Shows a notification per `notification` frame while the page is hidden. Returns a stop function. */
export function watchNotifications(
  client: CarechatClient,
  isMuted: (conversationId: string) => boolean,
): () => void {
  return client.on('notification', (frame) => {
    if (document.visibilityState === 'visible') return;
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    if (isMuted(frame.conversation_id)) return;
    const notification = new Notification(`New message from ${frame.sender_name}`, {
      tag: frame.conversation_id,
      icon: '/favicon.svg',
    });
    notification.onclick = () => {
      window.focus();
      navigate({ name: 'chat', conversationId: frame.conversation_id });
      notification.close();
    };
  });
}

/** "(3) carechat" while there are unread messages. */
export function titleFor(unread: number): string {
  return unread > 0 ? `(${unread}) carechat` : 'carechat';
}

/*
 * Web Push: notifications that reach the person when no carechat tab is open (the server's ladder,
 * docs/notifications.md). The browser's subscription is registered per device, after the person
 * turns notifications on; the service worker (public/sw.js) shows and withdraws them.
 */

/** Who turned push on in this browser: only they are re-registered after signing in again. */
const PUSH_USER_KEY = 'carechat:push-user';

interface ApiClient {
  api: {
    request<T>(
      method: string,
      path: string,
      options?: { body?: unknown },
    ): Promise<{ status: number; body: T }>;
  };
}

export function pushSupported(): boolean {
  return (
    typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined'
  );
}

export async function notificationSettings(client: ApiClient): Promise<NotificationSettingsResponse> {
  return (await client.api.request<NotificationSettingsResponse>('GET', '/api/me/notifications')).body;
}

export async function updateNotificationSettings(
  client: ApiClient,
  change: UpdateNotificationSettingsBody,
): Promise<NotificationSettingsResponse> {
  return (
    await client.api.request<NotificationSettingsResponse>('PATCH', '/api/me/notifications', { body: change })
  ).body;
}

/**
 * Subscribes this device (asking for permission if needed) and tells the server. Resolves false
 * when the browser or the server cannot push, or the person said no.
 */
export async function enablePush(
  client: ApiClient,
  vapidPublicKey: string | null,
  userId: string,
): Promise<boolean> {
  if (!pushSupported() || !vapidPublicKey) return false;
  if (Notification.permission !== 'granted' && (await Notification.requestPermission()) !== 'granted') {
    return false;
  }
  const registration = await navigator.serviceWorker.register('/sw.js');
  await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlBytes(vapidPublicKey),
    }));
  await client.api.request('POST', '/api/me/push-subscriptions', { body: subscription.toJSON() });
  localStorage.setItem(PUSH_USER_KEY, userId);
  return true;
}

/** This device stops receiving pushes (the browser's subscription ends and the server forgets it). */
export async function disablePush(client: ApiClient): Promise<void> {
  localStorage.removeItem(PUSH_USER_KEY);
  if (!pushSupported()) return;
  const registration = await navigator.serviceWorker.getRegistration('/sw.js');
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return;
  await client.api.request('DELETE', '/api/me/push-subscriptions', {
    body: { endpoint: subscription.endpoint },
  });
  await subscription.unsubscribe();
}

/**
 * After a sign-in, a device this person turned push on for is registered again under the new
 * session (the server removed it at logout). Someone else signing in on the device gets no pushes
 * on it until they turn them on themselves.
 */
export async function renewPushSubscription(client: ApiClient, userId: string): Promise<void> {
  if (!pushSupported() || Notification.permission !== 'granted') return;
  if (localStorage.getItem(PUSH_USER_KEY) !== userId) return;
  const registration = await navigator.serviceWorker.getRegistration('/sw.js');
  const subscription = await registration?.pushManager.getSubscription();
  if (subscription)
    await client.api.request('POST', '/api/me/push-subscriptions', { body: subscription.toJSON() });
}

function base64UrlBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
