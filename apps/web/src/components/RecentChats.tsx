import { useConversations } from '@carechat/react';
import { Empty, Loading } from './Card.js';
import { ConversationItem } from './ConversationItem.js';

/** The newest conversations, on the dashboard. */
export function RecentChats({ limit = 5 }: { limit?: number }) {
  const { conversations, loaded } = useConversations();
  if (!loaded) return <Loading what="conversations" />;
  const list = conversations.slice(0, limit);
  if (list.length === 0) return <Empty>No conversations yet.</Empty>;
  return (
    <ul className="conversation-list compact">
      {list.map((conversation) => (
        <ConversationItem key={conversation.id} conversation={conversation} active={false} />
      ))}
    </ul>
  );
}
