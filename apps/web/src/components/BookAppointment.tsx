import type { Schedule, User } from '@carechat/protocol';
import { useEffect, useId, useMemo, useState } from 'react';
import { formatTime } from '../lib/format.js';
import { bookingWeek, byDay, freeSlots, type Slot } from '../lib/slots.js';
import type { CareData } from '../lib/use-care.js';
import { errorInWords } from '../lib/words.js';
import { Empty, Loading } from './Card.js';
import '../styles/booking.css';

const when = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  hour: '2-digit',
  minute: '2-digit',
});

const range = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
/** How far ahead a patient can page: a quarter. */
const WEEKS_AHEAD = 13;

/** The patient's own zone, with its short name at that instant (GMT, BST…). */
function zoneLabel(at: Date): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const short = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  return short && short !== zone ? `${zone} (${short})` : zone;
}

/**
 * Request an appointment: choose a practitioner (yours, or found by name), then a free half hour
 * of their weekly schedule, a week at a time (every free time of the week shown, in the patient's
 * time zone, which is named); they accept or decline it.
 */
export function BookAppointment({ care }: { care: CareData }) {
  const ids = useId();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<User[]>();
  const [practitioner, setPractitioner] = useState<User>();
  const [schedule, setSchedule] = useState<Schedule>();
  const [slot, setSlot] = useState<Slot>();
  const [week, setWeek] = useState(0);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ tone: 'good' | 'error'; text: string }>();
  const mine = (care.contacts ?? []).map((c) => c.user);

  // Search as the person types (debounced), only practitioners.
  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) {
      setFound(undefined);
      return;
    }
    const timer = setTimeout(() => {
      care.api.searchUsers(q).then(
        (users) => setFound(users.filter((u) => u.role === 'practitioner')),
        () => setFound([]),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [query, care.api]);

  useEffect(() => {
    setSchedule(undefined);
    setSlot(undefined);
    setWeek(0);
    if (!practitioner) return;
    care.api
      .schedule(practitioner.id)
      .then(setSchedule, (e) => setNotice({ tone: 'error', text: errorInWords(e) }));
  }, [practitioner, care.api]);

  const { from, until } = bookingWeek(new Date(), week);
  const fromTime = from.getTime();
  const untilTime = until.getTime();
  const days = useMemo(() => {
    if (!schedule || !practitioner) return [];
    const busyTimes = (care.appointments ?? []).filter(
      (a) => a.practitioner_id === practitioner.id && (a.status === 'requested' || a.status === 'accepted'),
    );
    return byDay(
      freeSlots(schedule.windows, {
        now: new Date(),
        from: new Date(fromTime),
        until: new Date(untilTime),
        busy: busyTimes,
      }),
    );
  }, [schedule, practitioner, care.appointments, fromTime, untilTime]);
  const ownZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const otherZones = [...new Set((schedule?.windows ?? []).map((w) => w.timezone))].filter(
    (zone) => zone !== ownZone,
  );

  async function request() {
    if (!practitioner || !slot) return;
    setBusy(true);
    setNotice(undefined);
    try {
      await care.api.requestAppointment(practitioner.id, slot.startsAt, slot.endsAt);
      setNotice({
        tone: 'good',
        text: `Requested for ${when.format(slot.startsAt)}. ${practitioner.name} will accept or decline it.`,
      });
      setSlot(undefined);
      await care.reload();
    } catch (caught) {
      setNotice({ tone: 'error', text: errorInWords(caught) });
    } finally {
      setBusy(false);
    }
  }

  const choices = [...mine, ...(found ?? []).filter((u) => !mine.some((m) => m.id === u.id))];
  return (
    <div className="booking">
      <div className="field">
        <label htmlFor={`${ids}-search`}>Find a practitioner</label>
        <input
          id={`${ids}-search`}
          type="search"
          placeholder="Search by name"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          autoComplete="off"
        />
      </div>
      {choices.length > 0 ? (
        <fieldset className="pill-row">
          <legend className="sr-only">Practitioner</legend>
          {choices.map((user) => (
            <button
              key={user.id}
              type="button"
              className={`pill ${practitioner?.id === user.id ? 'selected' : ''}`}
              aria-pressed={practitioner?.id === user.id}
              onClick={() => setPractitioner(user)}
            >
              {user.name}
            </button>
          ))}
        </fieldset>
      ) : (
        found && <Empty>No practitioner matches “{query.trim()}”.</Empty>
      )}
      {practitioner && !schedule && <Loading what="free times" />}
      {practitioner && schedule && schedule.windows.length === 0 && (
        <Empty>{practitioner.name} has not published working hours yet.</Empty>
      )}
      {practitioner && schedule && schedule.windows.length > 0 && (
        <div className="slot-calendar">
          <p className="slot-zone muted small">
            Times are in your time zone, {zoneLabel(from)}.
            {otherZones.length > 0 && ` ${practitioner.name} works in ${otherZones.join(', ')}.`}
          </p>
          <div className="slot-week">
            <button
              type="button"
              className="button ghost small"
              disabled={week === 0}
              onClick={() => setWeek(week - 1)}
            >
              Previous week
            </button>
            <span className="slot-week-range" aria-live="polite">
              {range.format(from)} – {range.format(new Date(untilTime - 1))}
            </span>
            <button
              type="button"
              className="button ghost small"
              disabled={week >= WEEKS_AHEAD - 1}
              onClick={() => setWeek(week + 1)}
            >
              Next week
            </button>
          </div>
          {days.length === 0 ? (
            <Empty>{practitioner.name} has no free times this week.</Empty>
          ) : (
            <fieldset className="slot-days">
              <legend className="sr-only">Free times with {practitioner.name}</legend>
              {days.map(({ day, slots }) => (
                <div key={day} className="slot-day">
                  <div className="slot-day-name">{day}</div>
                  <div className="slot-grid">
                    {slots.map((s) => {
                      const selected = slot?.startsAt.getTime() === s.startsAt.getTime();
                      return (
                        <button
                          key={s.startsAt.toISOString()}
                          type="button"
                          className={`slot ${selected ? 'selected' : ''}`}
                          aria-pressed={selected}
                          aria-label={when.format(s.startsAt)}
                          onClick={() => setSlot(s)}
                        >
                          {formatTime(s.startsAt.toISOString())}
                        </button>
                      );
                    })}
                  </div>
                </div>
              ))}
            </fieldset>
          )}
        </div>
      )}
      {slot && practitioner && (
        <div className="booking-confirm">
          <span>
            {practitioner.name}, {when.format(slot.startsAt)}
          </span>
          <button type="button" className="button primary" disabled={busy} onClick={() => void request()}>
            {busy ? 'Requesting…' : 'Request appointment'}
          </button>
        </div>
      )}
      {notice && (
        <p
          className={notice.tone === 'good' ? 'form-ok' : 'form-error'}
          role={notice.tone === 'good' ? 'status' : 'alert'}
        >
          {notice.text}
        </p>
      )}
    </div>
  );
}
