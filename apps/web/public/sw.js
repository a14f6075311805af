/*
 * carechat's service worker: shows the Web Push notifications the server sends when a message
 * has been unread for a while, and takes them back once it is read on another device. A push
 * carries no message content, no names and no titles (docs/notifications.md): what it shows is
 * what the server wrote, a generic line, and a click opens the conversation after sign-in.
 */

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const data = readPayload(event);
  if (!data || typeof data.tag !== 'string') return;
  if (data.type === 'withdraw') {
    event.waitUntil(closeTagged(data.tag));
    return;
  }
  if (data.type === 'message') {
    event.waitUntil(
      self.registration.showNotification(String(data.title || 'carechat'), {
        body: String(data.body || ''),
        tag: data.tag,
        icon: '/favicon.svg',
        data: { path: ownPath(data.url) },
      }),
    );
  }
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const path = event.notification.data?.path || '/chat';
  event.waitUntil(openPath(path));
});

function readPayload(event) {
  try {
    return event.data ? event.data.json() : null;
  } catch {
    return null;
  }
}

async function closeTagged(tag) {
  const shown = await self.registration.getNotifications({ tag });
  for (const notification of shown) notification.close();
}

/** Only a path on this origin: a push never sends anyone elsewhere. */
function ownPath(url) {
  try {
    const parsed = new URL(String(url), self.location.origin);
    return parsed.pathname.startsWith('/chat') ? parsed.pathname : '/chat';
  } catch {
    return '/chat';
  }
}

async function openPath(path) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).origin !== self.location.origin) continue;
    await client.focus();
    if ('navigate' in client) await client.navigate(path);
    return;
  }
  await self.clients.openWindow(path);
}
