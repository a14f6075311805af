import { type InboxItem, messageSummary } from '@carechat/protocol';
import { useConversations, useTyping, useViewing } from '@carechat/react';
import { formatWhen, shortName } from '../lib/format.js';
import { onLinkClick } from '../lib/router.js';
import { withRoles } from '../lib/typing.js';
import { useMe } from '../lib/use-me.js';
import { waitingFor } from '../lib/waiting.js';
import { Avatar } from './Avatar.js';
import { Badge } from './Badge.js';

/** One row of the team inbox: the patient, the last message, how long they wait, who answers. */
export function InboxRow({ item, active }: { item: InboxItem; active: boolean }) {
  const me = useMe();
  // The live copy (last message, unread count) when the SDK has it; the inbox's otherwise.
  const { conversations } = useConversations();
  const conversation = conversations.find((c) => c.id === item.conversation.id) ?? item.conversation;
  const last = conversation.last_message;
  const viewing = withRoles(conversation, useViewing(conversation.id));
  const typing = withRoles(conversation, useTyping(conversation.id)).filter((p) => p.role !== 'patient');
  const to = { name: 'inbox', practiceId: item.practice_id, conversationId: conversation.id } as const;
  let preview = last
    ? `${last.sender_id === me.id ? 'You' : shortName(last.sender_name)}: ${messageSummary(last)}`
    : 'No messages yet';
  if (typing.length > 0) preview = `${shortName(typing[0]!.name)} is replying…`;
  return (
    <li>
      <a
        href={`/inbox/${encodeURIComponent(item.practice_id)}/${encodeURIComponent(conversation.id)}`}
        className={`conversation-item inbox-row ${active ? 'active' : ''} ${conversation.unread_count > 0 ? 'unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        onClick={(e) => onLinkClick(e, to)}
        data-conversation-id={conversation.id}
      >
        <Avatar name={item.patient.name} />
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="conversation-title">{item.patient.name}</span>
            {last && <time dateTime={last.timestamp}>{formatWhen(last.timestamp)}</time>}
          </span>
          <span className="conversation-bottom">
            <span className={`conversation-preview ${typing.length > 0 ? 'is-typing' : ''}`}>{preview}</span>
            <Badge count={conversation.unread_count} />
          </span>
          <span className="inbox-tags">
            {item.waiting_since && (
              <span className="chip chip-requested tiny" data-testid="waiting">
                {waitingFor(item.waiting_since)}
              </span>
            )}
            <span className="chip chip-neutral tiny" data-testid="assignee">
              {item.assignee
                ? `Assigned to ${item.assignee.id === me.id ? 'you' : item.assignee.name}`
                : 'Unassigned'}
            </span>
            {viewing.length > 0 && (
              <span className="chip chip-accepted tiny">{shortName(viewing[0]!.name)} is viewing</span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
