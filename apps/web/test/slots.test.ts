import { describe, expect, it } from 'vitest';
import { freeSlots, zonedInstant } from '../src/lib/slots.js';

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
