import { messageTick, type OutboxEntry } from '@carechat/client';
import type { Conversation, Message } from '@carechat/protocol';
import { useConversation } from '@carechat/react';
import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { formatDay, sameDay } from '../lib/format.js';
import { jumpDone, useJumpTarget } from '../lib/jump-to-message.js';
import { useReadWhileVisible } from '../lib/read-while-visible.js';
import { useMe } from '../lib/use-me.js';
import { ArrowDownIcon } from './icons.js';
import { MessageBubble, PendingBubble } from './MessageBubble.js';

type Item = { kind: 'message'; message: Message } | { kind: 'pending'; entry: OutboxEntry };

const GROUP_GAP_MS = 5 * 60_000;
const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 150;

/**
 * The messages of a conversation, oldest at the top. It opens on the newest message and stays at
 * the bottom as messages arrive and as photos load and take their room (unless the reader has
 * scrolled up: then a button says there is more below), loads older history when scrolled to the
 * top without moving what the reader is looking at, goes back to a message asked for (a search
 * result) and is an aria-live log so new messages are read out.
 */
export function MessageList({
  conversation,
  title,
  onReply,
  onEdit,
  onDelete,
  onError,
}: {
  conversation: Conversation;
  title: string;
  onReply: (message: Message) => void;
  onEdit: (message: Message) => void;
  onDelete: (message: Message) => void;
  onError: (text: string) => void;
}) {
  const me = useMe().id;
  const {
    messages,
    outbox,
    history,
    loadOlder: loadOlderPage,
    connection,
  } = useConversation(conversation.id);
  const markSeen = useReadWhileVisible(conversation.id, messages.at(-1)?.seq);
  // A quote shows its message as it is now (edited, deleted), when that message is loaded here.
  const byId = new Map(messages.map((m) => [m.message_id, m]));
  const stored = new Set(messages.filter((m) => m.sender_id === me).map((m) => m.client_msg_id));
  const pending = outbox.filter((e) => !stored.has(e.client_msg_id));
  const items: Item[] = [
    ...messages.map((message) => ({ kind: 'message' as const, message })),
    ...pending.map((entry) => ({ kind: 'pending' as const, entry })),
  ];

  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const lastKey = useRef<string>(undefined);
  const anchor = useRef<{ height: number; top: number; firstSeq: number | undefined }>(undefined);
  const [below, setBelow] = useState(false);
  /** The scroll position when last seen: only a move up from it can take the reader off the bottom. */
  const lastTop = useRef(0);
  const content = useRef<HTMLDivElement>(null);
  const jump = useJumpTarget(conversation.id);

  const stickToBottom = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    lastTop.current = el.scrollTop;
    atBottom.current = true;
  }, []);

  // Photos load after the first layout and grow the list (and the composer or a banner can
  // shrink the view): whatever changes size, a reader at the bottom stays at the bottom.
  useEffect(() => {
    const el = scroller.current;
    const inner = content.current;
    if (!el || !inner) return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) stickToBottom();
    });
    observer.observe(el);
    observer.observe(inner);
    return () => observer.disconnect();
  }, [stickToBottom]);

  const last = items.at(-1);
  const lastItemKey = last ? keyOf(last, me) : undefined;
  const lastIsMine = last?.kind === 'pending' || (last?.kind === 'message' && last.message.sender_id === me);
  const firstSeq = messages[0]?.seq;

  const loadOlder = useCallback(() => {
    const el = scroller.current;
    if (!el || history.loading || !history.loaded || !history.hasMore) return;
    anchor.current = { height: el.scrollHeight, top: el.scrollTop, firstSeq };
    void loadOlderPage();
  }, [history.loading, history.loaded, history.hasMore, firstSeq, loadOlderPage]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (anchor.current && anchor.current.firstSeq !== firstSeq) {
      // Older messages went in above: keep what the reader was looking at in place.
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = undefined;
    } else if (lastItemKey !== lastKey.current) {
      if (atBottom.current || lastIsMine) stickToBottom();
      else if (lastKey.current !== undefined) setBelow(true);
    } else if (atBottom.current) {
      stickToBottom();
    }
    lastKey.current = lastItemKey;
    // A short history that does not fill the pane: nothing to scroll, so load more now.
    if (
      !jump &&
      el.scrollHeight <= el.clientHeight + 10 &&
      history.loaded &&
      history.hasMore &&
      !history.loading
    )
      loadOlder();
  });

  // A message asked for: older pages until it is here, then it is shown, flashed and focused.
  useEffect(() => {
    const el = scroller.current;
    if (!jump || !el || !history.loaded || history.loading) return;
    const target = el.querySelector<HTMLElement>(`li[data-seq="${jump.seq}"]`);
    if (!target) {
      if (history.hasMore && (firstSeq ?? 0) > jump.seq) void loadOlderPage();
      else jumpDone(jump);
      return;
    }
    atBottom.current = false;
    target.scrollIntoView({ block: 'center' });
    target.tabIndex = -1;
    target.focus({ preventScroll: true });
    target.classList.add('flash');
    setTimeout(() => target.classList.remove('flash'), 1600);
    jumpDone(jump);
  }, [jump, history.loaded, history.loading, history.hasMore, firstSeq, loadOlderPage]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    // Only the reader scrolling up leaves the bottom. Every other move of the view goes down or
    // ends at the bottom: the list's own moves to the end, the browser keeping the view in place
    // as photos above it load (scroll anchoring, which may come in the same event as photos
    // growing the list below), the end coming closer as the list shrinks. A reader at the bottom
    // stays there through them, and the resize observer follows the list's growth.
    const top = el.scrollTop;
    const movedUp = top < lastTop.current - 1;
    lastTop.current = top;
    const near = el.scrollHeight - top - el.clientHeight < NEAR_BOTTOM_PX;
    atBottom.current = near || (atBottom.current && !movedUp);
    if (atBottom.current) {
      setBelow(false);
      markSeen();
    }
    if (el.scrollTop < NEAR_TOP_PX) loadOlder();
  };

  const toBottom = () => {
    const el = scroller.current;
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' });
    setBelow(false);
  };

  return (
    <div className="messages-wrap">
      <div className="messages" ref={scroller} onScroll={onScroll}>
        <div className="history-edge" aria-live="polite">
          {history.loading ? (
            <span className="muted small">
              <span className="spinner" aria-hidden="true" /> Loading earlier messages…
            </span>
          ) : history.loaded && !history.hasMore ? (
            <span className="muted small">This is the beginning of your conversation with {title}.</span>
          ) : history.error ? (
            <button type="button" className="button ghost small" onClick={loadOlder}>
              Could not load earlier messages. Try again
            </button>
          ) : null}
        </div>
        <div
          ref={content}
          role="log"
          aria-live="polite"
          aria-busy={history.loading}
          aria-label={`Messages with ${title}`}
        >
          <ol className="message-log">
            {items.map((item, index) => {
              const previous = items[index - 1];
              const at = item.kind === 'message' ? item.message.timestamp : item.entry.created_at;
              const prevAt = previous
                ? previous.kind === 'message'
                  ? previous.message.timestamp
                  : previous.entry.created_at
                : undefined;
              const newDay = !prevAt || !sameDay(prevAt, at);
              const sender = item.kind === 'message' ? item.message.sender_id : me;
              const prevSender = previous
                ? previous.kind === 'message'
                  ? previous.message.sender_id
                  : me
                : undefined;
              const grouped =
                !newDay &&
                prevSender === sender &&
                prevAt !== undefined &&
                Date.parse(at) - Date.parse(prevAt) < GROUP_GAP_MS;
              return (
                <Fragment key={keyOf(item, me)}>
                  {newDay && (
                    <li className="day-separator" aria-hidden="true">
                      <span>{formatDay(at)}</span>
                    </li>
                  )}
                  {item.kind === 'message' ? (
                    <MessageBubble
                      message={item.message}
                      quoted={
                        item.message.reply_preview
                          ? byId.get(item.message.reply_preview.message_id)
                          : undefined
                      }
                      mine={item.message.sender_id === me}
                      tick={
                        item.message.sender_id === me
                          ? messageTick(item.message, conversation, me)
                          : undefined
                      }
                      grouped={grouped}
                      showName={!grouped && conversation.kind === 'group' && item.message.sender_id !== me}
                      canEdit={item.message.sender_id === me && conversation.state === 'open'}
                      onReply={onReply}
                      onEdit={onEdit}
                      onDelete={onDelete}
                      onError={onError}
                    />
                  ) : (
                    <PendingBubble
                      entry={item.entry}
                      grouped={grouped}
                      offline={connection !== 'connected'}
                    />
                  )}
                </Fragment>
              );
            })}
          </ol>
        </div>
      </div>
      {below && (
        <button type="button" className="new-below" onClick={toBottom}>
          <ArrowDownIcon /> New messages
        </button>
      )}
    </div>
  );
}

/** Own messages keep one key from pending to stored, so the bubble stays in place. */
function keyOf(item: Item, me: string): string {
  if (item.kind === 'pending') return `c:${item.entry.client_msg_id}`;
  return item.message.sender_id === me ? `c:${item.message.client_msg_id}` : item.message.message_id;
}
