import type { ScheduleWindowRecord } from '../ports/care-store.js';

/**
 * Weekly schedule windows evaluated in each window's own time zone with the platform's Intl data,
 * so "Monday 09:00-17:00 Europe/Paris" follows daylight saving without a date library.
 */

export interface OpenWindow {
  window: ScheduleWindowRecord;
  /**
   * Names this occurrence of the window, e.g. `2026-01-05T09:00/Europe/Paris`: the same on every
   * node and at every check inside it, so it keys the once-per-window doctor_ready lease.
   */
  key: string;
}

interface LocalTime {
  /** YYYY-MM-DD in the zone. */
  date: string;
  dayOfWeek: number;
  /** "HH:MM" in the zone. */
  time: string;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock date, weekday and time at `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(at)) parts[part.type] = part.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    dayOfWeek: WEEKDAYS[parts.weekday ?? ''] ?? -1,
    time: `${parts.hour}:${parts.minute}`,
  };
}

/** The window open at `at`, if any (start inclusive, end exclusive). */
export function openWindowAt(windows: readonly ScheduleWindowRecord[], at: Date): OpenWindow | undefined {
  for (const window of windows) {
    const local = localTime(at, window.timezone);
    if (local.dayOfWeek !== window.dayOfWeek) continue;
    if (local.time >= window.start && local.time < window.end) {
      return { window, key: `${local.date}T${window.start}/${window.timezone}` };
    }
  }
  return undefined;
}

export function isWithinSchedule(windows: readonly ScheduleWindowRecord[], at: Date): boolean {
  return openWindowAt(windows, at) !== undefined;
}

const DAY_MS = 86_400_000;

/** The instant a wall-clock date and time happen in `timeZone` (two passes settle daylight saving). */
function instantOf(date: string, time: string, timeZone: string): Date {
  const asUtc = Date.parse(`${date}T${time}:00.000Z`);
  const offsetAt = (t: number) => {
    const local = localTime(new Date(t), timeZone);
    return Date.parse(`${local.date}T${local.time}:00.000Z`) - t;
  };
  const first = asUtc - offsetAt(asUtc);
  return new Date(asUtc - offsetAt(first));
}

/** The next moment any window opens after `from` (within a week and a day), or null for no windows. */
export function nextOpening(windows: readonly ScheduleWindowRecord[], from: Date): Date | null {
  let best: Date | null = null;
  for (const window of windows) {
    for (let day = 0; day <= 8; day++) {
      const local = localTime(new Date(from.getTime() + day * DAY_MS), window.timezone);
      if (local.dayOfWeek !== window.dayOfWeek) continue;
      const opens = instantOf(local.date, window.start, window.timezone);
      if (opens.getTime() > from.getTime() && (best === null || opens < best)) best = opens;
    }
  }
  return best;
}
