import type { Appointment, AuthResponse, Contact, Conversation, Schedule } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWithinSchedule } from '../src/core/care/schedule-windows.js';
import { ManualClock } from '../src/core/ports/clock.js';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '../src/demo.js';
import { DIALECTS } from './helpers/dialects.js';
import { request } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

describe.each(DIALECTS)('demo data on %s', (dialect) => {
  let server: TestServer;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    // A Monday at 10:00 in London: inside Dr. Okafor's hours.
    server = await startServer({
      dialect,
      clock: new ManualClock('2026-01-05T10:00:00.000Z'),
      env: { MESSAGING_POLICY: 'consultation' },
    });
    expect(await seedDemo(server.app.core)).toBe(true);
    expect(await seedDemo(server.app.core)).toBe(false);
    for (const user of DEMO_USERS) {
      const res = await request<AuthResponse>(server.url, 'POST', '/api/auth/login', {
        body: { email: user.email, password: DEMO_PASSWORD },
      });
      expect(res.status).toBe(200);
      tokens.set(user.email, res.body.access_token);
    }
  });
  afterAll(() => server.close());

  const get = async <T>(email: string, path: string) =>
    (await request<T>(server.url, 'GET', path, { token: tokens.get(email)! })).body;

  it('shows a practitioner with a schedule and patients in every state', async () => {
    const { contacts } = await get<{ contacts: Contact[] }>('dr.okafor@example.com', '/api/contacts');
    expect(contacts.map((c) => c.user.name)).toEqual(['Alex Morgan', 'Sam Rivera']);
    expect(contacts.find((c) => c.user.name === 'Sam Rivera')?.next_appointment?.status).toBe('accepted');

    const { appointments } = await get<{ appointments: Appointment[] }>(
      'dr.okafor@example.com',
      '/api/appointments',
    );
    const byPatient = new Map(appointments.map((a) => [a.patient.name, a]));
    expect(byPatient.get('Sam Rivera')).toMatchObject({
      status: 'accepted',
      consultation: { is_active: true },
    });
    expect(byPatient.get('Jordan Lee')).toMatchObject({ status: 'requested', consultation: null });
    const alex = byPatient.get('Alex Morgan');
    expect(alex?.status).toBe('completed');
    expect(Date.parse(alex!.consultation!.expires_at)).toBeLessThan(Date.parse('2026-01-05T10:00:00Z'));

    const okaforId = appointments[0]!.practitioner_id;
    const { schedule } = await get<{ schedule: { windows: unknown[] } }>(
      'sam.rivera@example.com',
      `/api/practitioners/${okaforId}/schedule`,
    );
    expect(schedule.windows).toHaveLength(5);
  });

  it('has Sam’s live chat and care team open, and Alex’s expired one read-only', async () => {
    const sam = await get<{ conversations: Conversation[] }>('sam.rivera@example.com', '/api/conversations');
    expect(sam.conversations.map((c) => [c.kind, c.state])).toEqual(
      expect.arrayContaining([
        ['direct', 'open'],
        ['group', 'open'],
      ]),
    );
    const alex = await get<{ conversations: Conversation[] }>(
      'alex.morgan@example.com',
      '/api/conversations',
    );
    expect(alex.conversations).toHaveLength(1);
    expect(alex.conversations[0]).toMatchObject({
      state: 'read_only',
      read_only_reason: 'consultation_expired',
      last_seq: 2,
    });
  });
});

/**
 * Issue 12, point 3: whatever day the demo is seeded on (here a Friday evening, with a weekend
 * ahead), every visit falls inside Dr. Okafor's published hours, and Alex's relationship is really
 * past its window under the default policy, on the wire and in the conversation list.
 */
describe.each(DIALECTS)('demo data seeded on a Friday evening on %s', (dialect) => {
  const NOW = '2026-01-09T17:00:00.000Z';
  let server: TestServer;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock: new ManualClock(NOW),
      env: { MESSAGING_POLICY: 'appointment', CONSULTATION_WINDOW_HOURS: '72' },
    });
    expect(await seedDemo(server.app.core)).toBe(true);
    for (const user of DEMO_USERS) {
      const res = await request<AuthResponse>(server.url, 'POST', '/api/auth/login', {
        body: { email: user.email, password: DEMO_PASSWORD },
      });
      tokens.set(user.email, res.body.access_token);
    }
  });
  afterAll(() => server.close());

  const call = <T>(email: string, method: 'GET' | 'POST', path: string, body?: unknown) =>
    request<T>(server.url, method, path, { token: tokens.get(email)!, ...(body ? { body } : {}) });
  const WINDOW_MS = 72 * 3_600_000;

  it('puts every visit on an open day of Dr. Okafor’s schedule', async () => {
    const { appointments } = (
      await call<{ appointments: Appointment[] }>('dr.okafor@example.com', 'GET', '/api/appointments')
    ).body;
    const { schedule } = (
      await call<{ schedule: Schedule }>(
        'sam.rivera@example.com',
        'GET',
        `/api/practitioners/${appointments[0]!.practitioner_id}/schedule`,
      )
    ).body;
    const windows = schedule.windows.map((w) => ({
      practitionerId: schedule.practitioner_id,
      dayOfWeek: w.day_of_week,
      start: w.start,
      end: w.end,
      timezone: w.timezone,
    }));
    expect(appointments).toHaveLength(3);
    for (const a of appointments) {
      expect(isWithinSchedule(windows, new Date(a.starts_at)), `${a.patient.name} starts in hours`).toBe(
        true,
      );
    }
    const sam = appointments.find((a) => a.patient.name === 'Sam Rivera')!;
    expect(sam.starts_at > NOW).toBe(true);
  });

  it('Sam’s chat and care team are open until the window after the visit; Alex’s is read-only', async () => {
    const { appointments } = (
      await call<{ appointments: Appointment[] }>('dr.okafor@example.com', 'GET', '/api/appointments')
    ).body;
    const byPatient = new Map(appointments.map((a) => [a.patient.name, a]));
    const samUntil = new Date(Date.parse(byPatient.get('Sam Rivera')!.ends_at) + WINDOW_MS).toISOString();
    const alex = byPatient.get('Alex Morgan')!;
    expect(alex.status).toBe('completed');
    expect(Date.parse(alex.ends_at) + WINDOW_MS).toBeLessThan(Date.parse(NOW));

    const sam = (
      await call<{ conversations: Conversation[] }>('sam.rivera@example.com', 'GET', '/api/conversations')
    ).body.conversations;
    expect(sam.map((c) => [c.kind, c.state, c.open_until])).toEqual(
      expect.arrayContaining([
        ['direct', 'open', samUntil],
        ['group', 'open', samUntil],
      ]),
    );
    const group = sam.find((c) => c.kind === 'group')!;
    const fromNair = await call('dr.nair@example.com', 'POST', `/api/conversations/${group.id}/messages`, {
      client_msg_id: 'nair-1',
      content: 'Checking in',
    });
    expect(fromNair.status).toBe(201);

    const [alexChat] = (
      await call<{ conversations: Conversation[] }>('alex.morgan@example.com', 'GET', '/api/conversations')
    ).body.conversations;
    expect(alexChat).toMatchObject({
      state: 'read_only',
      read_only_reason: 'consultation_expired',
      open_until: null,
    });
    const refused = await call(
      'alex.morgan@example.com',
      'POST',
      `/api/conversations/${alexChat!.id}/messages`,
      {
        client_msg_id: 'alex-1',
        content: 'Hello?',
      },
    );
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'consultation_expired' } } });
  });
});
