import type { Appointment } from '@carechat/protocol';
import { AppointmentList } from '../components/AppointmentList.js';
import { Card, Loading } from '../components/Card.js';
import { ContactList } from '../components/ContactList.js';
import { RecentChats } from '../components/RecentChats.js';
import { ScheduleEditor } from '../components/ScheduleEditor.js';
import { TeamInboxCard } from '../components/TeamInboxCard.js';
import { upcoming, useCare } from '../lib/use-care.js';
import { useMe } from '../lib/use-me.js';
import { errorInWords } from '../lib/words.js';

/** A practitioner's home: requests to answer, patients, upcoming appointments, weekly hours, chats. */
export function PractitionerDashboard() {
  const me = useMe();
  const care = useCare();
  const all = care.appointments ?? [];
  const requests = upcoming(all).filter((a) => a.status === 'requested');
  const accepted = upcoming(all).filter((a) => a.status === 'accepted');
  const onChanged = () => void care.reload();
  const acceptedMoves = (a: Appointment) =>
    Date.parse(a.starts_at) <= Date.now()
      ? (['complete', 'cancel'] as const).slice()
      : (['cancel'] as const).slice();

  return (
    <div className="dashboard">
      <div className="dashboard-head">
        <h1>Hello, {me.name}</h1>
        <p className="muted">
          {requests.length > 0
            ? `${requests.length === 1 ? 'One appointment request is' : `${requests.length} appointment requests are`} waiting for your answer.`
            : 'You are up to date with appointment requests.'}
        </p>
      </div>
      {me.status === 'pending' && (
        <p className="muted" role="status">
          Your account is waiting for an administrator’s approval. Until then patients cannot find or book
          you.
        </p>
      )}
      {care.error !== undefined && (
        <p className="form-error" role="alert">
          {errorInWords(care.error)}
        </p>
      )}
      <div className="dashboard-grid">
        <div className="column">
          <Card title="Appointment requests">
            {care.appointments ? (
              <AppointmentList
                appointments={requests}
                viewer="practitioner"
                api={care.api}
                onChanged={onChanged}
                empty="No requests waiting."
                moves={() => ['accept', 'decline']}
              />
            ) : (
              <Loading what="requests" />
            )}
          </Card>
          <Card title="My patients">
            {care.contacts ? (
              <ContactList
                contacts={care.contacts}
                empty="Patients appear here once you accept their appointment."
              />
            ) : (
              <Loading what="patients" />
            )}
          </Card>
          <Card title="Upcoming appointments">
            {care.appointments ? (
              <AppointmentList
                appointments={accepted}
                viewer="practitioner"
                api={care.api}
                onChanged={onChanged}
                empty="No upcoming appointments."
                moves={acceptedMoves}
              />
            ) : (
              <Loading what="appointments" />
            )}
          </Card>
        </div>
        <div className="column">
          <TeamInboxCard />
          <Card title="My chats">
            <RecentChats />
          </Card>
          <Card title="Weekly schedule">
            <ScheduleEditor api={care.api} practitionerId={me.id} />
          </Card>
        </div>
      </div>
    </div>
  );
}
