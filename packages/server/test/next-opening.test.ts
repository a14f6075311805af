import { describe, expect, it } from 'vitest';
import { nextOpening } from '../src/core/care/schedule-windows.js';
import type { ScheduleWindowRecord } from '../src/core/ports/care-store.js';

const window = (dayOfWeek: number, start: string, end: string, timezone: string): ScheduleWindowRecord => ({
  practitionerId: 'usr_x',
  dayOfWeek,
  start,
  end,
  timezone,
});

/** When the next window opens (the reply expectation's `next_opening`), in each window's own zone. */
describe('nextOpening', () => {
  it('is the next start after the moment, the same day or later in the week', () => {
    const weekdays = [1, 2, 3, 4, 5].map((d) => window(d, '09:00', '17:00', 'Europe/Paris'));
    // Monday 23:00 in Paris (winter, UTC+1): Tuesday 09:00 Paris.
    expect(nextOpening(weekdays, new Date('2026-01-05T22:00:00Z'))?.toISOString()).toBe(
      '2026-01-06T08:00:00.000Z',
    );
    // Monday 07:00 in Paris: the same day.
    expect(nextOpening(weekdays, new Date('2026-01-05T06:00:00Z'))?.toISOString()).toBe(
      '2026-01-05T08:00:00.000Z',
    );
    // Friday evening: Monday.
    expect(nextOpening(weekdays, new Date('2026-01-09T18:00:00Z'))?.toISOString()).toBe(
      '2026-01-12T08:00:00.000Z',
    );
  });

  it('follows daylight saving: after the change, 09:00 in Paris is 07:00 UTC', () => {
    // Sunday 29 March 2026 the clocks go forward in Europe.
    const monday = [window(1, '09:00', '17:00', 'Europe/Paris')];
    expect(nextOpening(monday, new Date('2026-03-27T12:00:00Z'))?.toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
  });

  it('takes the earliest of several practitioners and zones, and is null without windows', () => {
    const windows = [
      window(2, '09:00', '17:00', 'America/New_York'),
      window(2, '10:00', '12:00', 'Europe/London'),
    ];
    expect(nextOpening(windows, new Date('2026-01-05T22:00:00Z'))?.toISOString()).toBe(
      '2026-01-06T10:00:00.000Z',
    );
    expect(nextOpening([], new Date('2026-01-05T22:00:00Z'))).toBeNull();
  });
});
