import { useCarechatClient, useTyping, useViewing } from '@carechat/react';
import { useEffect } from 'react';
import { shortName } from '../lib/format.js';

/** The server drops a viewing indicator 6 s after its last refresh: refresh every 3 s while open. */
const VIEWING_REFRESH_MS = 3000;

/**
 * Tells colleagues this conversation is open here (while the page is visible) and shows who else
 * of the team has it open, so two people do not answer the same patient twice. The patient is
 * never told (the server sends viewing to staff only).
 */
export function ColleaguesViewing({ conversationId }: { conversationId: string }) {
  const client = useCarechatClient();

  useEffect(() => {
    const tell = () => {
      if (document.visibilityState === 'visible') client.setViewing(conversationId, true);
    };
    tell();
    const timer = window.setInterval(tell, VIEWING_REFRESH_MS);
    return () => {
      window.clearInterval(timer);
      client.setViewing(conversationId, false);
    };
  }, [client, conversationId]);

  const viewing = useViewing(conversationId);
  const replying = new Set(useTyping(conversationId).map((p) => p.userId));
  const names = viewing.filter((p) => !replying.has(p.userId)).map((p) => shortName(p.name));
  return (
    <p className="colleagues-viewing muted small" aria-live="polite" data-testid="colleagues-viewing">
      {names.length === 0
        ? ''
        : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} viewing this conversation`}
    </p>
  );
}
