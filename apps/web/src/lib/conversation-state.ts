import { type Conversation, ERRORS, isErrorCode } from '@carechat/protocol';
import { useEffect } from 'react';
import type { LiveStore } from './live.js';

/** setTimeout's limit; a later end is looked at again then. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * Keeps an open conversation's `state` current, so the composer gives way to the read-only
 * banner without a reload. The server decides the state and says when it changes
 * (`conversation_state`, handled in live.ts); the page also asks it again when a reason to think
 * it changed appears without an event: `open_until` has passed, or a send was refused by the care
 * policy (403) while the event was still on its way.
 */
export function useConversationStateKeptCurrent(live: LiveStore, conversation: Conversation): void {
  const id = conversation.id;
  const refused = live
    .pending(id)
    .filter((e) => {
      const code = e.error?.code;
      return e.status === 'failed' && isErrorCode(code) && ERRORS[code].status === 403;
    })
    .map((e) => e.client_msg_id)
    .join(' ');

  useEffect(() => {
    if (refused) void live.refreshConversation(id);
  }, [live, id, refused]);

  const openUntil = conversation.open_until;
  useEffect(() => {
    if (!openUntil) return;
    const delay = Math.min(Math.max(Date.parse(openUntil) - Date.now() + 1000, 0), MAX_DELAY_MS);
    const timer = setTimeout(() => void live.refreshConversation(id), delay);
    return () => clearTimeout(timer);
  }, [live, id, openUntil]);
}
