import type { Appointment } from '@carechat/protocol';
import { useState } from 'react';
import type { CareApi } from '../lib/care-api.js';
import { formatTime } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { errorInWords } from '../lib/words.js';
import { Empty } from './Card.js';

type Move = 'accept' | 'decline' | 'cancel' | 'complete';

const STATUS: Record<Appointment['status'], string> = {
  requested: 'Requested',
  accepted: 'Accepted',
  declined: 'Declined',
  cancelled: 'Cancelled',
  completed: 'Completed',
};

const month = new Intl.DateTimeFormat(undefined, { month: 'short' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });

/**
 * Appointments with the moves the viewer may make: the practitioner accepts or declines a request;
 * either party cancels one that is requested or accepted and not over.
 */
export function AppointmentList({
  appointments,
  viewer,
  api,
  onChanged,
  empty,
  moves,
}: {
  appointments: Appointment[];
  viewer: 'patient' | 'practitioner';
  api: CareApi;
  onChanged: () => void;
  empty: string;
  moves: (appointment: Appointment) => Move[];
}) {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<{ id: string; text: string }>();

  async function move(appointment: Appointment, transition: Move) {
    setBusy(appointment.id);
    setError(undefined);
    try {
      await api.moveAppointment(appointment.id, transition);
      onChanged();
    } catch (caught) {
      setError({ id: appointment.id, text: errorInWords(caught) });
    } finally {
      setBusy(undefined);
    }
  }

  if (appointments.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="appointments">
      {appointments.map((a) => {
        const other = viewer === 'patient' ? a.practitioner : a.patient;
        const starts = new Date(a.starts_at);
        const conversationId = a.consultation?.conversation_id;
        return (
          <li key={a.id} className="appointment">
            <div className="date-block" aria-hidden="true">
              <span className="date-month">{month.format(starts)}</span>
              <span className="date-day">{starts.getDate()}</span>
            </div>
            <div className="appointment-main">
              <div className="appointment-who">{other.name}</div>
              <div className="muted small">
                {weekday.format(starts)}, {formatTime(a.starts_at)}–{formatTime(a.ends_at)}
              </div>
              {error?.id === a.id && (
                <p className="form-error small" role="alert">
                  {error.text}
                </p>
              )}
            </div>
            <span className={`chip chip-${a.status}`}>{STATUS[a.status]}</span>
            <div className="appointment-actions">
              {conversationId && a.status !== 'requested' && (
                <button
                  type="button"
                  className="button ghost small"
                  onClick={() => navigate({ name: 'chat', conversationId })}
                  aria-label={`Open chat with ${other.name}`}
                >
                  Chat
                </button>
              )}
              {moves(a).map((transition) => (
                <button
                  key={transition}
                  type="button"
                  className={`button small ${transition === 'accept' ? 'primary' : transition === 'complete' ? 'ghost' : 'subtle'}`}
                  disabled={busy === a.id}
                  onClick={() => void move(a, transition)}
                  aria-label={`${transition[0]!.toUpperCase()}${transition.slice(1)} the appointment with ${other.name} on ${weekday.format(starts)} at ${formatTime(a.starts_at)}`}
                >
                  {transition === 'accept'
                    ? 'Accept'
                    : transition === 'decline'
                      ? 'Decline'
                      : transition === 'cancel'
                        ? 'Cancel'
                        : 'Mark done'}
                </button>
              ))}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
