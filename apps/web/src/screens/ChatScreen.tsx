import { useConversations } from '@carechat/react';
import { useState } from 'react';
import { Empty, Loading } from '../components/Card.js';
import { ConversationItem } from '../components/ConversationItem.js';
import { ConversationPane } from '../components/ConversationPane.js';
import { conversationTitle } from '../lib/conversation.js';
import { useMe } from '../lib/use-me.js';
import { errorInWords } from '../lib/words.js';

/**
 * The conversation list beside the open conversation. At phone width one of them at a time:
 * the list at /chat, the conversation at /chat/<id> (with a way back).
 */
export function ChatScreen({ conversationId }: { conversationId: string | undefined }) {
  const me = useMe();
  const { conversations: all, loaded, error } = useConversations();
  const [filter, setFilter] = useState('');
  const q = filter.trim().toLowerCase();
  const list = q ? all.filter((c) => conversationTitle(c, me.id).toLowerCase().includes(q)) : all;

  return (
    <div className={`chat ${conversationId ? 'chat-open' : 'chat-listing'}`}>
      <aside className="chat-sidebar" aria-labelledby="conversations-title">
        <div className="chat-sidebar-head">
          <h1 id="conversations-title">Messages</h1>
          <input
            type="search"
            className="filter"
            placeholder="Filter by name"
            aria-label="Filter conversations by name"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
        </div>
        {!loaded ? (
          error ? (
            <Empty>{errorInWords(error)}</Empty>
          ) : (
            <Loading what="conversations" />
          )
        ) : list.length === 0 ? (
          <Empty>{q ? 'No conversation matches.' : 'No conversations yet.'}</Empty>
        ) : (
          <ul className="conversation-list" aria-label="Conversations">
            {list.map((conversation) => (
              <ConversationItem
                key={conversation.id}
                conversation={conversation}
                active={conversation.id === conversationId}
              />
            ))}
          </ul>
        )}
      </aside>
      {conversationId ? (
        <ConversationPane key={conversationId} conversationId={conversationId} />
      ) : (
        <section className="pane pane-empty" aria-label="No conversation open">
          <div>
            <p className="pane-empty-title">Choose a conversation</p>
            <p className="muted">Your messages with your care team appear here.</p>
          </div>
        </section>
      )}
    </div>
  );
}
