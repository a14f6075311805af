import type { Contact } from '@carechat/protocol';
import { useConversations } from '@carechat/react';
import { formatDateTime } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { Avatar } from './Avatar.js';
import { Badge } from './Badge.js';
import { Empty } from './Card.js';

/** The people the viewer has a care relationship with, each a click away from their chat. */
export function ContactList({ contacts, empty }: { contacts: Contact[]; empty: string }) {
  const { conversations } = useConversations();
  if (contacts.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="contacts">
      {contacts.map((contact) => {
        const conversation = contact.conversation_id
          ? conversations.find((c) => c.id === contact.conversation_id)
          : undefined;
        const online = conversation?.participants.find((p) => p.user.id === contact.user.id)?.online;
        const unread = conversation?.unread_count ?? contact.unread_count;
        const conversationId = contact.conversation_id;
        return (
          <li key={contact.user.id} className="contact">
            <Avatar name={contact.user.name} online={online ?? false} />
            <div className="contact-main">
              <div className="contact-name">{contact.user.name}</div>
              <div className="muted small">
                {contact.next_appointment
                  ? `Next appointment ${formatDateTime(contact.next_appointment.starts_at)}`
                  : 'No upcoming appointment'}
              </div>
            </div>
            <Badge count={unread} />
            {conversationId && (
              <button
                type="button"
                className="button ghost small"
                onClick={() => navigate({ name: 'chat', conversationId })}
                aria-label={`Message ${contact.user.name}`}
              >
                Message
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
