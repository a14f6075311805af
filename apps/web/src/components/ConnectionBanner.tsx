import { useConnectionState, useOutbox } from '@carechat/react';
import { useEffect, useState } from 'react';

const plural = (n: number) => (n === 1 ? '1 message' : `${n} messages`);

/**
 * The connection, said plainly: nothing while connected; "reconnecting" or "offline", with how
 * many messages are queued to go out when it is back. A first connection that is merely slow is
 * not worth a banner for the first two seconds.
 */
export function ConnectionBanner() {
  const state = useConnectionState();
  // Sends waiting for the connection (not the failed ones, which wait for the person).
  const queued = useOutbox().filter((e) => e.status !== 'failed').length;
  const [slow, setSlow] = useState(false);

  useEffect(() => {
    if (state !== 'connecting') {
      setSlow(false);
      return;
    }
    const timer = setTimeout(() => setSlow(true), 2000);
    return () => clearTimeout(timer);
  }, [state]);

  let text: string | undefined;
  let tone = 'warn';
  if (state === 'offline') {
    text =
      queued > 0
        ? `You are offline, with ${plural(queued)} queued. They will be sent when you are back online.`
        : 'You are offline. New messages will arrive when you are back online.';
    tone = 'offline';
  } else if (state === 'connecting' && slow) {
    text = 'Connecting…';
  } else if (state === 'reconnecting') {
    text =
      queued > 0
        ? `Reconnecting… ${plural(queued)} queued, sent as soon as the connection is back.`
        : 'Reconnecting… Messages sent meanwhile are kept and sent when the connection is back.';
  } else if (state === 'disconnected') {
    text = 'Disconnected. Reload the page to reconnect.';
    tone = 'offline';
  }

  return (
    <div className="connection-region" role="status" aria-live="polite">
      {text && (
        <div className={`banner banner-${tone}`} data-testid="connection-banner">
          <span className={`dot dot-${tone}`} aria-hidden="true" />
          {text}
        </div>
      )}
    </div>
  );
}
