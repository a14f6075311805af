import { describe, expect, it } from 'vitest';
import { bookingWeek, freeSlots, zonedInstant } from '../src/lib/slots.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('zonedInstant (wall-clock time in an IANA zone to an instant)', () => {
  it('follows daylight saving time', () => {
    expect(iso(zonedInstant('Europe/London', { year: 2026, month: 1, day: 5 }, 9 * 60))).toBe(
      '2026-01-05T09:00:00.000Z',
    );
    expect(iso(zonedInstant('Europe/London', { year: 2026, month: 7, day: 6 }, 9 * 60))).toBe(
      '2026-07-06T08:00:00.000Z',
    );
    // The clocks went forward at 01:00 UTC that morning.
    expect(iso(zonedInstant('Europe/London', { year: 2026, month: 3, day: 29 }, 9 * 60))).toBe(
      '2026-03-29T08:00:00.000Z',
    );
    expect(iso(zonedInstant('America/New_York', { year: 2026, month: 1, day: 5 }, 9 * 60 + 30))).toBe(
      '2026-01-05T14:30:00.000Z',
    );
  });
});

describe('freeSlots (bookable half hours of a weekly schedule)', () => {
  const monday = [{ day_of_week: 1, start: '09:00', end: '10:00', timezone: 'Europe/London' }];

  it('cuts the windows of the coming week into slots', () => {
    const slots = freeSlots(monday, { now: new Date('2026-01-04T12:00:00Z'), days: 7 });
    expect(slots.map((s) => iso(s.startsAt.getTime()))).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T09:30:00.000Z',
    ]);
    expect(iso(slots[0]!.endsAt.getTime())).toBe('2026-01-05T09:30:00.000Z');
  });

  it('leaves out slots that have started and slots already asked for', () => {
    const now = new Date('2026-01-05T09:10:00Z');
    const busy = [{ starts_at: '2026-01-12T09:00:00.000Z', ends_at: '2026-01-12T09:30:00.000Z' }];
    const slots = freeSlots(monday, { now, days: 8, busy });
    expect(slots.map((s) => iso(s.startsAt.getTime()))).toEqual([
      '2026-01-05T09:30:00.000Z',
      '2026-01-12T09:30:00.000Z',
    ]);
  });

  it('takes the weekday in the practitioner’s zone, not in UTC', () => {
    // Monday 08:00 in Tokyo is Sunday 23:00 UTC.
    const tokyo = [{ day_of_week: 1, start: '08:00', end: '09:00', timezone: 'Asia/Tokyo' }];
    const slots = freeSlots(tokyo, { now: new Date('2026-01-04T12:00:00Z'), days: 1 });
    expect(slots.map((s) => iso(s.startsAt.getTime()))).toEqual([
      '2026-01-04T23:00:00.000Z',
      '2026-01-04T23:30:00.000Z',
    ]);
  });

  it('fits only whole slots into a window and allows an end of 24:00', () => {
    const late = [{ day_of_week: 1, start: '23:15', end: '24:00', timezone: 'UTC' }];
    const slots = freeSlots(late, { now: new Date('2026-01-04T12:00:00Z'), days: 2 });
    expect(slots.map((s) => iso(s.startsAt.getTime()))).toEqual(['2026-01-05T23:15:00.000Z']);
  });
});

describe('booking a week at a time (the whole schedule, paged)', () => {
  // Weekdays 08:00–18:00 in London: twenty half hours a day.
  const workdays = [1, 2, 3, 4, 5].map((day) => ({
    day_of_week: day,
    start: '08:00',
    end: '18:00',
    timezone: 'Europe/London',
  }));

  it('shows every slot of every day of a week, none twice across pages', () => {
    const now = new Date('2026-01-07T14:10:00Z'); // a Wednesday afternoon
    const seen = new Set<number>();
    for (let page = 0; page < 3; page++) {
      const { from, until } = bookingWeek(now, page);
      const slots = freeSlots(workdays, { now, from, until });
      for (const s of slots) {
        expect(seen.has(s.startsAt.getTime())).toBe(false);
        seen.add(s.startsAt.getTime());
      }
      if (page > 0) expect(slots).toHaveLength(5 * 20);
    }
    // Wednesday's rest (14:30 to 17:30), then two whole weeks and the rest of the third.
    const all = freeSlots(workdays, { now, until: bookingWeek(now, 2).until });
    expect(seen.size).toBe(all.length);
  });

  it('starts each later page at a midnight of the viewer, and the first one now', () => {
    const now = new Date(2026, 0, 7, 14, 10);
    expect(bookingWeek(now, 0)).toEqual({ from: now, until: new Date(2026, 0, 14) });
    expect(bookingWeek(now, 1)).toEqual({ from: new Date(2026, 0, 14), until: new Date(2026, 0, 21) });
  });

  it('keeps a slot at midnight on the page of its day', () => {
    const allDay = [{ day_of_week: 3, start: '00:00', end: '01:00', timezone: 'UTC' }];
    const now = new Date('2026-01-07T12:00:00Z');
    const page = bookingWeek(now, 1);
    const slots = freeSlots(allDay, { now, ...page });
    expect(slots.map((s) => s.startsAt.getTime())).toContain(Date.parse('2026-01-14T00:00:00Z'));
  });
});
