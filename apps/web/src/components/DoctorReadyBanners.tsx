import { navigate } from '../lib/router.js';
import { useLive } from '../lib/use-live.js';

/** `doctor_ready`: the practitioner's hours have started during the patient's consultation. */
export function DoctorReadyBanners() {
  const live = useLive();
  return (
    <>
      {live.doctorReady.map((event) => {
        const conversation = live.conversation(event.conversation_id);
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
                  live.dismissDoctorReady(event);
                  navigate({ name: 'chat', conversationId: event.conversation_id });
                }}
              >
                Open chat
              </button>
              <button
                type="button"
                className="button ghost small"
                onClick={() => live.dismissDoctorReady(event)}
              >
                Dismiss
              </button>
            </span>
          </div>
        );
      })}
    </>
  );
}
