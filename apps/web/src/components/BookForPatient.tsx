import type { Practice } from '@carechat/protocol';
import { type FormEvent, useId, useState } from 'react';
import type { PracticeApi } from '../lib/practice-api.js';
import { errorInWords } from '../lib/words.js';

const DURATIONS = [15, 30, 45, 60];

/** A small form beside the conversation: a visit with one of the practice's practitioners. */
export function BookForPatient({
  api,
  practice,
  conversationId,
  onBooked,
  onError,
}: {
  api: PracticeApi;
  practice: Practice;
  conversationId: string;
  onBooked: () => void;
  onError: (text: string) => void;
}) {
  const ids = useId();
  const practitioners = practice.members.filter((m) => m.role === 'practitioner');
  const [practitionerId, setPractitionerId] = useState(practitioners[0]?.user.id ?? '');
  const [when, setWhen] = useState('');
  const [minutes, setMinutes] = useState(30);
  const [busy, setBusy] = useState(false);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const start = new Date(when);
    if (!practitionerId || Number.isNaN(start.getTime())) return;
    setBusy(true);
    try {
      await api.book(
        practice.id,
        conversationId,
        practitionerId,
        start,
        new Date(start.getTime() + minutes * 60_000),
      );
      setWhen('');
      onBooked();
    } catch (caught) {
      onError(errorInWords(caught));
    } finally {
      setBusy(false);
    }
  }

  if (practitioners.length === 0) return null;
  return (
    <form className="book-for-patient" onSubmit={(e) => void submit(e)} aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Book a visit</h3>
      <div className="field">
        <label htmlFor={`${ids}-with`}>With</label>
        <select id={`${ids}-with`} value={practitionerId} onChange={(e) => setPractitionerId(e.target.value)}>
          {practitioners.map((m) => (
            <option key={m.user.id} value={m.user.id}>
              {m.user.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-when`}>Starts ({zone})</label>
        <input
          id={`${ids}-when`}
          type="datetime-local"
          required
          value={when}
          onChange={(e) => setWhen(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-minutes`}>Length</label>
        <select id={`${ids}-minutes`} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
          {DURATIONS.map((d) => (
            <option key={d} value={d}>
              {d} minutes
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="button primary small" disabled={busy || when === ''}>
        Book
      </button>
    </form>
  );
}
