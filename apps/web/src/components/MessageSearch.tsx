import type { Message } from '@carechat/protocol';
import { useCarechatClient, useConversations } from '@carechat/react';
import { useEffect, useId, useRef, useState } from 'react';
import { conversationTitle } from '../lib/conversation.js';
import { formatDateTime } from '../lib/format.js';
import { requestJump } from '../lib/jump-to-message.js';
import { highlight, MIN_QUERY_LENGTH, searchMessages } from '../lib/message-search.js';
import { navigate, pathOf } from '../lib/router.js';
import { useMe } from '../lib/use-me.js';
import { errorInWords } from '../lib/words.js';
import '../styles/search.css';

type Found =
  | { phase: 'idle' }
  | { phase: 'searching'; query: string }
  | { phase: 'done'; query: string; results: Message[]; nextCursor: string | null; more: boolean }
  | { phase: 'failed'; query: string; error: unknown };

/**
 * Message search, as a modal dialog over any screen (Ctrl+K, `/`, or the header's button): the
 * server's full-text search over the person's own conversations, as they type. ArrowDown and
 * ArrowUp move between the results, Enter opens one (the conversation, scrolled to the message),
 * Escape closes and gives the focus back.
 */
export function MessageSearch({ onClose }: { onClose: () => void }) {
  const client = useCarechatClient();
  const ids = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found>({ phase: 'idle' });

  useEffect(() => {
    const el = dialog.current;
    const before = document.activeElement as HTMLElement | null;
    el?.showModal();
    input.current?.focus();
    return () => {
      if (el?.open) el.close();
      before?.focus();
    };
  }, []);

  // As the person types (debounced); a newer query wins over an older answer.
  useEffect(() => {
    const q = query.trim();
    if (q.length < MIN_QUERY_LENGTH) {
      setFound({ phase: 'idle' });
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      setFound({ phase: 'searching', query: q });
      searchMessages(client, q).then(
        ({ results, nextCursor }) => {
          if (current) setFound({ phase: 'done', query: q, results, nextCursor, more: false });
        },
        (error) => {
          if (current) setFound({ phase: 'failed', query: q, error });
        },
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, client]);

  async function more() {
    if (found.phase !== 'done' || !found.nextCursor) return;
    setFound({ ...found, more: true });
    try {
      const page = await searchMessages(client, found.query, found.nextCursor);
      setFound((now) =>
        now.phase === 'done' && now.query === found.query
          ? { ...now, results: [...now.results, ...page.results], nextCursor: page.nextCursor, more: false }
          : now,
      );
    } catch (error) {
      setFound({ phase: 'failed', query: found.query, error });
    }
  }

  function open(message: Message) {
    requestJump({ conversationId: message.conversation_id, seq: message.seq });
    onClose();
    navigate({ name: 'chat', conversationId: message.conversation_id });
  }

  /** Arrow keys move between the search box and the results; Escape closes, even from the box. */
  function onKeyDown(event: React.KeyboardEvent) {
    if (event.key === 'Escape') {
      // A search box would take the first Escape to clear itself.
      event.preventDefault();
      onClose();
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const links = [...(list.current?.querySelectorAll<HTMLAnchorElement>('a') ?? [])];
    if (links.length === 0) return;
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    event.preventDefault();
    if (event.key === 'ArrowDown') links[Math.min(at + 1, links.length - 1)]?.focus();
    else if (at <= 0) input.current?.focus();
    else links[at - 1]?.focus();
  }

  let status = '';
  if (found.phase === 'searching') status = 'Searching…';
  else if (found.phase === 'failed') status = errorInWords(found.error);
  else if (found.phase === 'done') {
    const n = found.results.length;
    status =
      n === 0
        ? `No messages match “${found.query}”.`
        : `${n === 1 ? '1 message' : `${n} messages`} found${found.nextCursor ? ', more below' : ''}`;
  }

  return (
    <dialog
      ref={dialog}
      className="search-dialog"
      aria-labelledby={`${ids}-title`}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={onKeyDown}
      onClick={(e) => {
        // A click on the backdrop (the dialog itself, outside its box) closes it.
        if (e.target === dialog.current) onClose();
      }}
    >
      <div className="search-box">
        <div className="search-head">
          <h2 id={`${ids}-title`}>Search messages</h2>
          <button type="button" className="button ghost small" onClick={onClose}>
            Close
          </button>
        </div>
        <label htmlFor={`${ids}-query`} className="sr-only">
          Search your messages
        </label>
        <input
          ref={input}
          id={`${ids}-query`}
          type="search"
          className="search-input"
          placeholder="Search your messages"
          autoComplete="off"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <p className="search-status muted small" role="status">
          {status}
        </p>
        {found.phase === 'done' && found.results.length > 0 && (
          <ul ref={list} className="search-results" aria-label="Search results">
            {found.results.map((message) => (
              <Result key={message.message_id} message={message} query={found.query} onOpen={open} />
            ))}
          </ul>
        )}
        {found.phase === 'done' && found.nextCursor && (
          <button
            type="button"
            className="button ghost small search-more"
            disabled={found.more}
            onClick={() => void more()}
          >
            {found.more ? 'Loading…' : 'More results'}
          </button>
        )}
      </div>
    </dialog>
  );
}

function Result({
  message,
  query,
  onOpen,
}: {
  message: Message;
  query: string;
  onOpen: (message: Message) => void;
}) {
  const me = useMe();
  const { conversations } = useConversations();
  const conversation = conversations.find((c) => c.id === message.conversation_id);
  const title = conversation ? conversationTitle(conversation, me.id) : message.sender_name;
  const sender = message.sender_id === me.id ? 'You' : message.sender_name;
  const route = { name: 'chat' as const, conversationId: message.conversation_id };
  return (
    <li>
      <a
        href={pathOf(route)}
        className="search-result"
        onClick={(e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          onOpen(message);
        }}
      >
        <span className="search-result-head">
          <span className="search-result-title">{title}</span>
          <time dateTime={message.timestamp}>{formatDateTime(message.timestamp)}</time>
        </span>
        <span className="search-result-text">
          <span className="search-result-sender">{sender}: </span>
          {highlight(message.content, query).map((part, i) =>
            part.match ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed text, in order
              <mark key={i}>{part.text}</mark>
            ) : (
              part.text
            ),
          )}
        </span>
      </a>
    </li>
  );
}
