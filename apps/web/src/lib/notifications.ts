import type { LiveStore } from './live.js';
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
export function watchNotifications(store: LiveStore): () => void {
  return store.client.on('notification', (frame) => {
    if (document.visibilityState === 'visible') return;
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    if (store.conversations.get(frame.conversation_id)?.muted) return;
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
