import type { ScheduleWindow } from '@carechat/protocol';
import { useEffect, useId, useMemo, useState } from 'react';
import type { CareApi } from '../lib/care-api.js';
import { errorInWords } from '../lib/words.js';
import { Loading } from './Card.js';

// Monday first, as most clinics plan their week.
const DAYS = [1, 2, 3, 4, 5, 6, 0];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

function zones(current: string): string[] {
  const all =
    (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return [...new Set([current, browserZone(), ...all])].sort();
}

interface Row {
  key: number;
  day: number;
  start: string;
  end: string;
}

let nextKey = 1;

/** The practitioner's weekly hours: windows per weekday in one time zone, saved as a whole. */
export function ScheduleEditor({ api, practitionerId }: { api: CareApi; practitionerId: string }) {
  const ids = useId();
  const [rows, setRows] = useState<Row[]>();
  const [timezone, setTimezone] = useState(browserZone);
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<{ tone: 'good' | 'error'; text: string }>();
  const zoneList = useMemo(() => zones(timezone), [timezone]);

  useEffect(() => {
    api.schedule(practitionerId).then(
      (schedule) => {
        setRows(
          schedule.windows.map((w) => ({ key: nextKey++, day: w.day_of_week, start: w.start, end: w.end })),
        );
        if (schedule.windows[0]) setTimezone(schedule.windows[0].timezone);
      },
      (error) => setNotice({ tone: 'error', text: errorInWords(error) }),
    );
  }, [api, practitionerId]);

  if (!rows) return <Loading what="your schedule" />;

  const update = (key: number, change: Partial<Row>) => {
    setNotice(undefined);
    setRows(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  };
  const invalid = rows.filter((r) => !(r.start < r.end || r.end === '24:00'));

  async function save() {
    if (!rows || invalid.length > 0) return;
    setSaving(true);
    setNotice(undefined);
    try {
      const windows: ScheduleWindow[] = rows.map((r) => ({
        day_of_week: r.day,
        start: r.start,
        end: r.end === '00:00' ? '24:00' : r.end,
        timezone,
      }));
      await api.saveSchedule(practitionerId, windows);
      setNotice({ tone: 'good', text: 'Schedule saved.' });
    } catch (error) {
      setNotice({ tone: 'error', text: errorInWords(error) });
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      className="schedule"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="field inline">
        <label htmlFor={`${ids}-tz`}>Time zone</label>
        <select id={`${ids}-tz`} value={timezone} onChange={(e) => setTimezone(e.target.value)}>
          {zoneList.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </div>
      <ul className="schedule-days">
        {DAYS.map((day) => {
          const windows = rows.filter((r) => r.day === day);
          const name = DAY_NAMES[day]!;
          return (
            <li key={day} className="schedule-day">
              <span className="schedule-day-name">{name}</span>
              <div className="schedule-windows">
                {windows.length === 0 && <span className="muted small">Closed</span>}
                {windows.map((w, i) => (
                  <div key={w.key} className="schedule-window">
                    <input
                      type="time"
                      value={w.start}
                      aria-label={`${name} hours ${i + 1}: from`}
                      onChange={(e) => update(w.key, { start: e.target.value })}
                      required
                    />
                    <span aria-hidden="true">–</span>
                    <input
                      type="time"
                      value={w.end === '24:00' ? '00:00' : w.end}
                      aria-label={`${name} hours ${i + 1}: until`}
                      aria-invalid={invalid.includes(w) || undefined}
                      onChange={(e) =>
                        update(w.key, { end: e.target.value === '00:00' ? '24:00' : e.target.value })
                      }
                      required
                    />
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Remove ${name} hours ${i + 1}`}
                      onClick={() => setRows(rows.filter((r) => r.key !== w.key))}
                    >
                      ×
                    </button>
                  </div>
                ))}
              </div>
              <button
                type="button"
                className="button ghost small"
                aria-label={`Add hours on ${name}`}
                onClick={() => setRows([...rows, { key: nextKey++, day, start: '09:00', end: '17:00' }])}
              >
                Add
              </button>
            </li>
          );
        })}
      </ul>
      {invalid.length > 0 && (
        <p className="form-error" role="alert">
          Each time range must end after it starts.
        </p>
      )}
      {notice && (
        <p
          className={notice.tone === 'good' ? 'form-ok' : 'form-error'}
          role={notice.tone === 'good' ? 'status' : 'alert'}
        >
          {notice.text}
        </p>
      )}
      <button type="submit" className="button primary" disabled={saving || invalid.length > 0}>
        {saving ? 'Saving…' : 'Save schedule'}
      </button>
    </form>
  );
}
