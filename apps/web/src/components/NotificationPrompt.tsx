import { useCarechatClient } from '@carechat/react';
import { useEffect, useState } from 'react';
import {
  askNotificationPermission,
  dismissNotificationAsk,
  enablePush,
  notificationAsk,
  notificationSettings,
  pushSupported,
  renewPushSubscription,
} from '../lib/notifications.js';
import { useMe } from '../lib/use-me.js';

/**
 * Asks, politely and once, whether to notify of new messages: in the background while carechat
 * is open, and by Web Push on this device when it is not (if the server can push).
 */
export function NotificationPrompt() {
  const me = useMe();
  const client = useCarechatClient();
  const [state, setState] = useState(notificationAsk);
  const [canPush, setCanPush] = useState(false);
  useEffect(() => {
    // A device this person subscribed before is theirs again after signing in.
    renewPushSubscription(client, me.id).catch(() => undefined);
  }, [client, me.id]);
  useEffect(() => {
    if (state !== 'ask' || !pushSupported()) return;
    notificationSettings(client)
      .then((s) => setCanPush(s.available.push))
      .catch(() => undefined);
  }, [client, state]);
  if (state !== 'ask') return null;
  const turnOn = async () => {
    const asked = await askNotificationPermission();
    setState(asked);
    if (asked !== 'granted') return;
    const settings = await notificationSettings(client).catch(() => undefined);
    if (settings?.push_enabled) await enablePush(client, settings.vapid_public_key, me.id).catch(() => false);
  };
  return (
    <section className="banner banner-info" aria-label="Notifications">
      <span className="dot dot-info" aria-hidden="true" />
      <span>
        {canPush
          ? 'Get a notification when a message arrives, even when carechat is closed?'
          : 'Get a notification when a message arrives while carechat is in the background?'}
      </span>
      <span className="banner-actions">
        <button type="button" className="button primary small" onClick={() => void turnOn()}>
          Turn on notifications
        </button>
        <button
          type="button"
          className="button ghost small"
          onClick={() => {
            dismissNotificationAsk();
            setState('dismissed');
          }}
        >
          Not now
        </button>
      </span>
    </section>
  );
}
