import type { Appointment } from '@carechat/protocol';
import { AppointmentList } from '../components/AppointmentList.js';
import { BookAppointment } from '../components/BookAppointment.js';
import { Card, Loading } from '../components/Card.js';
import { CareTeamsCard } from '../components/CareTeamsCard.js';
import { ContactList } from '../components/ContactList.js';
import { RecentChats } from '../components/RecentChats.js';
import { upcoming, useCare } from '../lib/use-care.js';
import { useMe } from '../lib/use-me.js';
import { errorInWords } from '../lib/words.js';

/** A patient's home: their practitioners, their appointments (book, cancel), their chats. */
export function PatientDashboard() {
  const me = useMe();
  const care = useCare();
  const first = me.name.split(' ')[0];
  const patientMoves = (a: Appointment) =>
    a.status === 'requested' || a.status === 'accepted' ? (['cancel'] as const).slice() : [];

  return (
    <div className="dashboard">
      <div className="dashboard-head">
        <h1>Hello, {first}</h1>
        <p className="muted">Your care team, your appointments and your conversations.</p>
      </div>
      {care.error !== undefined && (
        <p className="form-error" role="alert">
          {errorInWords(care.error)}
        </p>
      )}
      <div className="dashboard-grid">
        <div className="column">
          <Card title="My practitioners">
            {care.contacts ? (
              <ContactList
                contacts={care.contacts}
                empty="No practitioners yet. Book an appointment below to start."
              />
            ) : (
              <Loading what="practitioners" />
            )}
          </Card>
          <Card title="Book an appointment">
            <BookAppointment care={care} />
          </Card>
        </div>
        <div className="column">
          <Card title="My appointments">
            {care.appointments ? (
              <AppointmentList
                appointments={upcoming(care.appointments)}
                viewer="patient"
                api={care.api}
                onChanged={() => void care.reload()}
                empty="No upcoming appointments."
                moves={patientMoves}
              />
            ) : (
              <Loading what="appointments" />
            )}
          </Card>
          <CareTeamsCard />
          <Card title="My chats">
            <RecentChats />
          </Card>
        </div>
      </div>
    </div>
  );
}
