import { type Conversation, messageSummary } from '@carechat/protocol';
import { useTyping } from '@carechat/react';
import { conversationTitle, others as othersIn } from '../lib/conversation.js';
import { formatWhen, shortName } from '../lib/format.js';
import { onLinkClick } from '../lib/router.js';
import { useMe } from '../lib/use-me.js';
import { Avatar } from './Avatar.js';
import { Badge } from './Badge.js';

/** One row of a conversation list: who, the last message, when, unread count, online dot. */
export function ConversationItem({ conversation, active }: { conversation: Conversation; active: boolean }) {
  const me = useMe();
  const others = othersIn(conversation, me.id);
  const title = conversationTitle(conversation, me.id);
  const last = conversation.last_message;
  const typing = useTyping(conversation.id);
  const online = conversation.kind === 'direct' ? (others[0]?.online ?? false) : others.some((p) => p.online);
  let preview = 'No messages yet';
  if (typing.length > 0) preview = 'typing…';
  else if (last) {
    const who =
      last.sender_id === me.id
        ? 'You: '
        : conversation.kind === 'group'
          ? `${shortName(last.sender_name)}: `
          : '';
    preview = `${who}${messageSummary(last)}`;
  }
  const unread = conversation.unread_count;
  return (
    <li>
      <a
        href={`/chat/${encodeURIComponent(conversation.id)}`}
        className={`conversation-item ${active ? 'active' : ''} ${unread > 0 ? 'unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        onClick={(e) => onLinkClick(e, { name: 'chat', conversationId: conversation.id })}
        data-conversation-id={conversation.id}
      >
        <Avatar name={title} online={online} />
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="conversation-title">{title}</span>
            {last && <time dateTime={last.timestamp}>{formatWhen(last.timestamp)}</time>}
          </span>
          <span className="conversation-bottom">
            <span className={`conversation-preview ${typing.length > 0 ? 'is-typing' : ''}`}>{preview}</span>
            {conversation.muted && (
              <span className="muted-icon" role="img" aria-label="muted" title="Muted">
                🔕
              </span>
            )}
            {conversation.state === 'read_only' && <span className="chip chip-neutral tiny">Ended</span>}
            <Badge count={unread} />
          </span>
        </span>
      </a>
    </li>
  );
}
