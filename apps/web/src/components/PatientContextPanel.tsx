import type { InboxItem, PatientContext, Practice } from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { CareApi } from '../lib/care-api.js';
import { formatDateTime } from '../lib/format.js';
import type { PracticeApi } from '../lib/practice-api.js';
import { useEventCount } from '../lib/use-events.js';
import { useMe } from '../lib/use-me.js';
import { waitingFor } from '../lib/waiting.js';
import { errorInWords, inWords } from '../lib/words.js';
import { AppointmentList } from './AppointmentList.js';
import { BookForPatient } from './BookForPatient.js';
import { Loading } from './Card.js';

/**
 * Beside a practice conversation, for staff: who answers it (assign, reassign), the relationship
 * (open until when, or why it ended) and the patient's appointments with the team, to book or
 * cancel from here.
 */
export function PatientContextPanel({
  api,
  practice,
  item,
  onAssigned,
}: {
  api: PracticeApi;
  practice: Practice;
  item: InboxItem;
  onAssigned: (item: InboxItem) => void;
}) {
  const me = useMe();
  const client = useCarechatClient();
  const care = useMemo(() => new CareApi(client), [client]);
  const ids = useId();
  const [context, setContext] = useState<PatientContext>();
  const [error, setError] = useState<string>();
  const conversationId = item.conversation.id;

  const load = useCallback(async () => {
    try {
      setContext(await api.context(practice.id, conversationId));
      setError(undefined);
    } catch (caught) {
      setError(errorInWords(caught));
    }
  }, [api, practice.id, conversationId]);

  const version = useEventCount('appointment_updated');
  // biome-ignore lint/correctness/useExhaustiveDependencies: again whenever an appointment changed live
  useEffect(() => {
    void load();
  }, [load, version]);

  async function assign(userId: string) {
    try {
      onAssigned(await api.assign(practice.id, conversationId, userId === '' ? null : userId));
    } catch (caught) {
      setError(errorInWords(caught));
    }
  }

  const relationship = context?.relationship;
  return (
    <aside className="patient-context" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>{item.patient.name}</h2>
      {item.waiting_since && (
        <p className="muted small">Patient {waitingFor(item.waiting_since)} for a reply</p>
      )}
      <div className="field">
        <label htmlFor={`${ids}-assignee`}>Assigned to</label>
        <select
          id={`${ids}-assignee`}
          value={item.assignee?.id ?? ''}
          onChange={(e) => void assign(e.target.value)}
        >
          <option value="">No one</option>
          {practice.members.map((m) => (
            <option key={m.user.id} value={m.user.id}>
              {m.user.id === me.id ? `${m.user.name} (you)` : m.user.name} · {ROLE_NAMES[m.role]}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!context ? (
        !error && <Loading what="the patient’s details" />
      ) : (
        <>
          <h3>Care relationship</h3>
          <p data-testid="relationship">
            {relationship?.state === 'open'
              ? relationship.open_until
                ? `Open until ${formatDateTime(relationship.open_until)}`
                : 'Open'
              : inWords(relationship?.read_only_reason ?? undefined, 'Ended')}
          </p>
          <h3>Upcoming appointments</h3>
          {context.upcoming.length === 0 ? (
            <p className="muted small">None booked.</p>
          ) : (
            <ul className="context-appointments">
              {context.upcoming.map((a) => (
                <li key={a.id}>
                  <span>
                    {formatDateTime(a.starts_at)} with {a.practitioner.name}
                    <span className={`chip tiny chip-${a.status}`}>{a.status}</span>
                  </span>
                  <button
                    type="button"
                    className="button ghost small"
                    aria-label={`Cancel the visit of ${formatDateTime(a.starts_at)}`}
                    onClick={() =>
                      void api
                        .cancel(practice.id, conversationId, a.id)
                        .then(load, (caught) => setError(errorInWords(caught)))
                    }
                  >
                    Cancel
                  </button>
                </li>
              ))}
            </ul>
          )}
          <BookForPatient
            api={api}
            practice={practice}
            conversationId={conversationId}
            onBooked={() => void load()}
            onError={setError}
          />
          <h3>Past appointments</h3>
          <AppointmentList
            appointments={context.past}
            viewer="practitioner"
            api={care}
            onChanged={() => void load()}
            empty="None yet."
            moves={() => []}
          />
        </>
      )}
    </aside>
  );
}

const ROLE_NAMES = { practitioner: 'Practitioner', nurse: 'Nurse', front_desk: 'Front desk' } as const;
