import { useState } from 'react';
import { askNotificationPermission, dismissNotificationAsk, notificationAsk } from '../lib/notifications.js';

/** Asks, politely and once, whether to notify of new messages while carechat is in the background. */
export function NotificationPrompt() {
  const [state, setState] = useState(notificationAsk);
  if (state !== 'ask') return null;
  return (
    <section className="banner banner-info" aria-label="Notifications">
      <span className="dot dot-info" aria-hidden="true" />
      <span>Get a notification when a message arrives while carechat is in the background?</span>
      <span className="banner-actions">
        <button
          type="button"
          className="button primary small"
          onClick={() => void askNotificationPermission().then(setState)}
        >
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
