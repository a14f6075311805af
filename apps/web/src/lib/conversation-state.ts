import { type Conversation, ERRORS, isErrorCode } from '@carechat/protocol';
import { useChatStore, useOutbox } from '@carechat/react';
import { useEffect } from 'react';

/** setTimeout's limit; a later end is looked at again then. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * Keeps an open conversation's `state` current, so the composer gives way to the read-only
 * banner without a reload. The server decides the state and says when it changes
 * (`conversation_state`, handled by @carechat/react's ChatStore); the page also asks it again when a reason to think
 * it changed appears without an event: `open_until` has passed, or a send was refused by the care
 * policy (403) while the event was still on its way.
 */
export function useConversationStateKeptCurrent(conversation: Conversation): void {
  const chat = useChatStore();
  const id = conversation.id;
  const refused = useOutbox()
    .filter((e) => {
      const code = e.error?.code;
      return (
        e.conversation_id === id && e.status === 'failed' && isErrorCode(code) && ERRORS[code].status === 403
      );
    })
    .map((e) => e.client_msg_id)
    .join(' ');

  useEffect(() => {
    if (refused) void chat.refresh(id);
  }, [chat, id, refused]);

  const openUntil = conversation.open_until;
  useEffect(() => {
    if (!openUntil) return;
    const delay = Math.min(Math.max(Date.parse(openUntil) - Date.now() + 1000, 0), MAX_DELAY_MS);
    const timer = setTimeout(() => void chat.refresh(id), delay);
    return () => clearTimeout(timer);
  }, [chat, id, openUntil]);
}
