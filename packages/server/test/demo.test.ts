import type { Appointment, AuthResponse, Contact, Conversation } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
