import { describe, expect, it } from 'vitest';
import { isWithinSchedule, localTime, openWindowAt } from '../src/core/care/schedule-windows.js';
import type { ScheduleWindowRecord } from '../src/core/ports/care-store.js';

const window = (dayOfWeek: number, start: string, end: string, timezone: string): ScheduleWindowRecord => ({
  practitionerId: 'usr_1',
  dayOfWeek,
  start,
  end,
  timezone,
});

describe('schedule windows', () => {
  const parisMornings = [window(1, '09:00', '12:00', 'Europe/Paris')];

  it('evaluates in the window’s time zone, following daylight saving', () => {
    // Winter: Paris is UTC+1, so 09:00 there is 08:00 UTC.
    expect(isWithinSchedule(parisMornings, new Date('2026-01-05T07:59:00Z'))).toBe(false);
    expect(isWithinSchedule(parisMornings, new Date('2026-01-05T08:00:00Z'))).toBe(true);
    // Summer: UTC+2, so 09:00 there is 07:00 UTC.
    expect(isWithinSchedule(parisMornings, new Date('2026-07-06T07:00:00Z'))).toBe(true);
    expect(isWithinSchedule(parisMornings, new Date('2026-07-06T10:00:00Z'))).toBe(false);
  });

  it('starts inclusive, ends exclusive, and only on its weekday', () => {
    expect(isWithinSchedule(parisMornings, new Date('2026-01-05T10:59:59Z'))).toBe(true);
    expect(isWithinSchedule(parisMornings, new Date('2026-01-05T11:00:00Z'))).toBe(false);
    expect(isWithinSchedule(parisMornings, new Date('2026-01-06T08:30:00Z'))).toBe(false);
    expect(isWithinSchedule([], new Date('2026-01-05T08:30:00Z'))).toBe(false);
  });

  it('uses the local weekday, which can differ from the UTC one', () => {
    // Monday 23:30 UTC is already Tuesday 08:30 in Tokyo.
    const tokyo = [window(2, '08:00', '09:00', 'Asia/Tokyo')];
    expect(localTime(new Date('2026-01-05T23:30:00Z'), 'Asia/Tokyo')).toEqual({
      date: '2026-01-06',
      dayOfWeek: 2,
      time: '08:30',
    });
    expect(isWithinSchedule(tokyo, new Date('2026-01-05T23:30:00Z'))).toBe(true);
  });

  it('allows a window to run to midnight ("24:00")', () => {
    const evenings = [window(1, '20:00', '24:00', 'UTC')];
    expect(isWithinSchedule(evenings, new Date('2026-01-05T23:59:00Z'))).toBe(true);
    expect(isWithinSchedule(evenings, new Date('2026-01-06T00:00:00Z'))).toBe(false);
  });

  it('names each occurrence of a window the same way throughout it, and differently next week', () => {
    const early = openWindowAt(parisMornings, new Date('2026-01-05T08:01:00Z'));
    const late = openWindowAt(parisMornings, new Date('2026-01-05T10:58:00Z'));
    const nextWeek = openWindowAt(parisMornings, new Date('2026-01-12T08:01:00Z'));
    expect(early?.key).toBe('2026-01-05T09:00/Europe/Paris');
    expect(late?.key).toBe(early?.key);
    expect(nextWeek?.key).toBe('2026-01-12T09:00/Europe/Paris');
  });
});
