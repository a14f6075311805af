import type { DoctorReadyEvent } from '@carechat/protocol';
import { useCarechatClient, useConversations } from '@carechat/react';
import { useEffect, useState } from 'react';
import { navigate } from '../lib/router.js';

/**
 * `doctor_ready`: the practitioner's hours have started during the patient's consultation. Shown
 * from the moment it arrives (the banners are on every signed-in screen) until dismissed.
 */
export function DoctorReadyBanners() {
  const client = useCarechatClient();
  const { conversations } = useConversations();
  const [events, setEvents] = useState<DoctorReadyEvent[]>([]);
  useEffect(() => client.on('doctor_ready', (event) => setEvents((all) => [...all, event])), [client]);
  const dismiss = (event: DoctorReadyEvent) => setEvents((all) => all.filter((e) => e !== event));
  return (
    <>
      {events.map((event) => {
        const conversation = conversations.find((c) => c.id === event.conversation_id);
        const doctor = conversation?.participants.find((p) => p.user.id === event.doctor_id)?.user.name;
        return (
          <div
            key={`${event.consultation_id}-${event.conversation_id}`}
            className="banner banner-good"
            role="status"
          >
            <span className="dot dot-good" aria-hidden="true" />
            <span>
              <strong>{doctor ?? 'Your practitioner'} is available now.</strong> You can message them in your
              consultation.
            </span>
            <span className="banner-actions">
              <button
                type="button"
                className="button primary small"
                onClick={() => {
                  dismiss(event);
                  navigate({ name: 'chat', conversationId: event.conversation_id });
                }}
              >
                Open chat
              </button>
              <button type="button" className="button ghost small" onClick={() => dismiss(event)}>
                Dismiss
              </button>
            </span>
          </div>
        );
      })}
    </>
  );
}
