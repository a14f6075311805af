import { useChatStore } from '@carechat/react';
import { useCallback, useEffect, useRef } from 'react';

/**
 * Marks the open conversation read up to its newest message, but only what someone can see: each
 * time its newest message changes and when the tab becomes visible again, while the tab is
 * visible. One read at a time; what arrived meanwhile is marked when it returns. Returns the same
 * marking for the list to call when the reader scrolls back to the bottom.
 */
export function useReadWhileVisible(conversationId: string, newestSeq: number | undefined): () => void {
  const chat = useChatStore();
  const reading = useRef(false);
  const again = useRef(false);
  const newest = useRef(newestSeq);
  newest.current = newestSeq;

  const markSeen = useCallback(() => {
    const seq = newest.current;
    if (document.visibilityState !== 'visible' || seq === undefined) return;
    const conversation = chat.conversation(conversationId);
    const mine = conversation?.participants.find((p) => p.user.id === chat.meId);
    if (!conversation) return;
    if (seq <= (mine?.last_read_seq ?? 0) && conversation.unread_count === 0) return;
    if (reading.current) {
      again.current = true;
      return;
    }
    reading.current = true;
    chat
      .markRead(conversationId, seq)
      .catch(() => {})
      .finally(() => {
        reading.current = false;
        if (again.current) {
          again.current = false;
          markSeen();
        }
      });
  }, [chat, conversationId]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: marked again whenever the newest message changes
  useEffect(() => markSeen(), [markSeen, newestSeq]);

  useEffect(() => {
    document.addEventListener('visibilitychange', markSeen);
    return () => document.removeEventListener('visibilitychange', markSeen);
  }, [markSeen]);

  return markSeen;
}
