import type { ScheduleWindow } from '@carechat/protocol';

/**
 * Bookable slots from a practitioner's weekly schedule: windows are wall-clock times in the
 * practitioner's IANA time zone (daylight saving followed), turned into instants here and shown
 * in the patient's own time zone.
 */

export interface Slot {
  startsAt: Date;
  endsAt: Date;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

const partsFormats = new Map<string, Intl.DateTimeFormat>();
function partsIn(timeZone: string, instant: number): Record<string, number> {
  let format = partsFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormats.set(timeZone, format);
  }
  const out: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instant))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return out;
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(timeZone: string, instant: number): number {
  const p = partsIn(timeZone, instant);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant at which the wall clock in `timeZone` shows this date and time. */
export function zonedInstant(
  timeZone: string,
  date: { year: number; month: number; day: number },
  minutes: number,
): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE;
  const first = wall - offsetAt(timeZone, wall);
  return wall - offsetAt(timeZone, first);
}

const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/**
 * Slots of `lengthMinutes` inside the windows, starting after `now`, from `from` on and before
 * `until` (or within `days` of now), that do not overlap `busy` (appointments already asked for).
 * Oldest first.
 */
export function freeSlots(
  windows: readonly ScheduleWindow[],
  options: {
    now: Date;
    from?: Date;
    until?: Date;
    days?: number;
    lengthMinutes?: number;
    busy?: Array<{ starts_at: string; ends_at: string }>;
  },
): Slot[] {
  const { now, days = 7, lengthMinutes = 30, busy = [] } = options;
  const from = options.from?.getTime() ?? now.getTime();
  const until = options.until?.getTime() ?? now.getTime() + days * DAY;
  const span = Math.ceil((until - now.getTime()) / DAY);
  const taken = busy.map((b) => [Date.parse(b.starts_at), Date.parse(b.ends_at)] as const);
  const starts = new Set<number>();
  for (const window of windows) {
    // The zone's calendar days from yesterday to past the horizon (windows are local days).
    for (let d = -1; d <= span + 1; d++) {
      const p = partsIn(window.timezone, now.getTime() + d * DAY);
      const date = { year: p.year!, month: p.month!, day: p.day! };
      if (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() !== window.day_of_week)
        continue;
      const end = toMinutes(window.end);
      for (let m = toMinutes(window.start); m + lengthMinutes <= end; m += lengthMinutes) {
        const start = zonedInstant(window.timezone, date, m);
        const stop = start + lengthMinutes * MINUTE;
        if (start <= now.getTime() || start < from || start >= until) continue;
        if (taken.some(([s, e]) => start < e && s < stop)) continue;
        starts.add(start);
      }
    }
  }
  return [...starts]
    .sort((a, b) => a - b)
    .map((start) => ({ startsAt: new Date(start), endsAt: new Date(start + lengthMinutes * MINUTE) }));
}

/**
 * Week `page` of the booking calendar, in the patient's own days: the first runs from now to the
 * end of the seventh day (today included), each next one over the seven days after it.
 */
export function bookingWeek(now: Date, page: number): { from: Date; until: Date } {
  const midnight = (days: number) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  return { from: page === 0 ? now : midnight(page * 7), until: midnight((page + 1) * 7) };
}

/** Slots grouped by the patient's local day, in order. */
export function byDay(slots: readonly Slot[]): Array<{ day: string; slots: Slot[] }> {
  const groups = new Map<string, Slot[]>();
  const format = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
  for (const slot of slots) {
    const key = format.format(slot.startsAt);
    groups.set(key, [...(groups.get(key) ?? []), slot]);
  }
  return [...groups].map(([day, list]) => ({ day, slots: list }));
}
