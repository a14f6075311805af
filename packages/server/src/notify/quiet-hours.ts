import { localTime } from '../core/care/schedule-windows.js';
import type { NotificationPreferences } from '../core/ports/notification-store.js';

/**
 * Quiet hours are wall-clock times in the person's own time zone; a range whose end is before its
 * start runs over midnight (22:00-07:00).
 */
export function isQuiet(quiet: NotificationPreferences['quietHours'], at: Date): boolean {
  if (!quiet || quiet.start === quiet.end) return false;
  const now = localTime(at, quiet.timeZone).time;
  return quiet.start < quiet.end
    ? now >= quiet.start && now < quiet.end
    : now >= quiet.start || now < quiet.end;
}

/**
 * When the quiet hours holding at `at` end: found by stepping a minute at a time (at most a day of
 * minutes), which follows daylight saving without a date library.
 */
export function quietEndsAfter(quiet: NotificationPreferences['quietHours'], at: Date): Date {
  const start = Math.ceil(at.getTime() / 60_000) * 60_000;
  for (let minute = 0; minute <= 24 * 60; minute += 1) {
    const candidate = new Date(start + minute * 60_000);
    if (!isQuiet(quiet, candidate)) return candidate;
  }
  return new Date(start + 24 * 3_600_000);
}
