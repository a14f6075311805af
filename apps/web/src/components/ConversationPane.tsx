import type { Conversation, Message } from '@carechat/protocol';
import {
  useCarechatClient,
  useChatStore,
  useConnectionState,
  useConversations,
  useTyping,
} from '@carechat/react';
import { useCallback, useEffect, useState } from 'react';
import { conversationTitle, others as othersIn, setMuted } from '../lib/conversation.js';
import { useConversationStateKeptCurrent } from '../lib/conversation-state.js';
import { formatDateTime } from '../lib/format.js';
import { navigate, onLinkClick } from '../lib/router.js';
import { withRoles } from '../lib/typing.js';
import { useMe } from '../lib/use-me.js';
import { errorInWords } from '../lib/words.js';
import { Avatar } from './Avatar.js';
import { Loading } from './Card.js';
import { Composer, type ComposerMode } from './Composer.js';
import { BackIcon, BellIcon } from './icons.js';
import { MessageList } from './MessageList.js';
import { ReadOnlyBanner } from './ReadOnlyBanner.js';
import { ReplyExpectationNote } from './ReplyExpectationNote.js';
import { TypingIndicator } from './TypingIndicator.js';

/** One conversation: its header, messages, who is typing, and the composer (or why there is none). */
export function ConversationPane({ conversationId }: { conversationId: string }) {
  const chat = useChatStore();
  const [refused, setRefused] = useState<unknown>();
  const { conversations } = useConversations();
  const conversation = conversations.find((c) => c.id === conversationId);

  // A deep link may name a conversation the list does not have: asked for, refusals shown.
  useEffect(() => {
    let cancelled = false;
    chat.ensureConversation(conversationId).catch((error) => {
      if (!cancelled) setRefused(error);
    });
    return () => {
      cancelled = true;
    };
  }, [chat, conversationId]);

  if (refused !== undefined) {
    const code = (refused as { code?: string }).code;
    return (
      <section className="pane pane-empty" aria-label="Conversation unavailable">
        <div role="alert">
          <p className="pane-empty-title">
            {code === 'not_participant'
              ? 'You cannot open this conversation'
              : 'This conversation could not be loaded'}
          </p>
          <p className="muted">{errorInWords(refused)}</p>
          <a className="button ghost" href="/chat" onClick={(e) => onLinkClick(e, { name: 'chats' })}>
            Back to messages
          </a>
        </div>
      </section>
    );
  }
  if (!conversation) {
    return (
      <section className="pane pane-empty" aria-label="Loading conversation">
        <Loading what="the conversation" />
      </section>
    );
  }
  return <OpenConversation conversation={conversation} />;
}

function OpenConversation({ conversation }: { conversation: Conversation }) {
  const me = useMe();
  const client = useCarechatClient();
  const [mode, setMode] = useState<ComposerMode>({ kind: 'new' });
  const [notice, setNotice] = useState<string>();
  const title = conversationTitle(conversation, me.id);
  const chat = useChatStore();
  const others = othersIn(conversation, me.id);
  const typing = withRoles(conversation, useTyping(conversation.id));
  const direct = conversation.kind === 'direct' ? others[0] : undefined;
  const connection = useConnectionState();

  // Presence is only known while connected: offline, "Online" would be a guess from the past.
  const connected = connection === 'connected';
  const isOnline = (p: { online: boolean }) => connected && p.online;
  let status: string;
  if (direct) {
    status = isOnline(direct)
      ? 'Online'
      : direct.last_seen_at && !direct.online
        ? `Last seen ${formatDateTime(direct.last_seen_at)}`
        : connected
          ? 'Offline'
          : connection === 'offline'
            ? 'Not known while you are offline'
            : 'Connecting…';
  } else {
    const online = others.filter(isOnline).length;
    status = `${others.map((p) => p.user.name).join(', ')}${online > 0 ? ` · ${online} online` : ''}`;
  }
  useConversationStateKeptCurrent(conversation);

  const onReply = useCallback((message: Message) => setMode({ kind: 'reply', message }), []);
  const onEdit = useCallback((message: Message) => setMode({ kind: 'edit', message }), []);
  const onDelete = useCallback(
    (message: Message) => {
      if (!window.confirm('Delete this message for everyone?')) return;
      client.deleteMessage(message.message_id).catch((error) => setNotice(errorInWords(error)));
    },
    [client],
  );

  return (
    <section className="pane" aria-labelledby="pane-title">
      <header className="pane-head">
        <button
          type="button"
          className="icon-button back"
          aria-label="Back to conversations"
          onClick={() => navigate({ name: 'chats' })}
        >
          <BackIcon />
        </button>
        <Avatar name={title} online={direct ? isOnline(direct) : others.some(isOnline)} />
        <div className="pane-title">
          <h2 id="pane-title">{title}</h2>
          <p className="muted small">{status}</p>
        </div>
        <button
          type="button"
          className={`icon-button ${conversation.muted ? 'on' : ''}`}
          aria-pressed={conversation.muted}
          aria-label={conversation.muted ? 'Unmute notifications' : 'Mute notifications'}
          title={conversation.muted ? 'Muted: no notifications' : 'Mute notifications'}
          onClick={() =>
            void setMuted(chat, conversation.id, !conversation.muted).catch((e) => setNotice(errorInWords(e)))
          }
        >
          <BellIcon off={conversation.muted} />
        </button>
      </header>
      <MessageList
        conversation={conversation}
        title={title}
        onReply={onReply}
        onEdit={onEdit}
        onDelete={onDelete}
        onError={setNotice}
      />
      <TypingIndicator people={typing} />
      <ReplyExpectationNote conversation={conversation} />
      {notice && (
        <div className="pane-notice" role="alert">
          <span>{notice}</span>
          <button type="button" className="button ghost small" onClick={() => setNotice(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      {conversation.state === 'read_only' ? (
        <ReadOnlyBanner conversation={conversation} viewer={me.role} />
      ) : (
        <>
          {conversation.open_until && (
            <div className="open-until" role="note">
              Open until {formatDateTime(conversation.open_until)}; then you can read it but not reply.
            </div>
          )}
          <Composer conversation={conversation} mode={mode} onModeChange={setMode} onError={setNotice} />
        </>
      )}
    </section>
  );
}
