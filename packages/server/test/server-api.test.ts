import type {
  AppointmentResponse,
  AuditPage,
  ContactsResponse,
  Conversation,
  HistoryResponse,
  ScheduleResponse,
  ServerTokenResponse,
  ServerUserResponse,
} from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { DIALECTS } from './helpers/dialects.js';
import { request } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

const KEY = 'host-platform-key-0123456789abcdef-0123456789';

describe.each(DIALECTS)('server API for host platforms on %s', (dialect) => {
  let server: TestServer;
  const api = <T>(method: string, path: string, body?: unknown) =>
    request<T>(server.url, method, path, {
      ...(body === undefined ? {} : { body }),
      token: KEY,
    });

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock: new ManualClock('2026-01-05T10:00:00.000Z'),
      env: { SERVER_API_KEY: KEY, MESSAGING_POLICY: 'appointment' },
    });
  });
  afterAll(() => server.close());

  it('walks through docs/integration.md: users, schedule, appointment, tokens, then chat', async () => {
    // 1. The host pushes its practitioner and its patient under its own ids.
    const doctor = await api<ServerUserResponse>('PUT', '/api/server/users/dj-doc-17', {
      name: 'Dr. Ada Byrne',
      role: 'practitioner',
      email: 'ada.byrne@clinic.example',
    });
    expect(doctor.status).toBe(201);
    expect(doctor.body).toMatchObject({
      external_id: 'dj-doc-17',
      created: true,
      user: { name: 'Dr. Ada Byrne', role: 'practitioner', email: 'ada.byrne@clinic.example' },
    });
    const patient = await api<ServerUserResponse>('PUT', '/api/server/users/dj-pat-42', {
      name: 'Sam Patient',
      role: 'patient',
    });
    expect(patient.status).toBe(201);

    // 2. The practitioner's weekly hours.
    const schedule = await api<ScheduleResponse>('PUT', '/api/server/practitioners/dj-doc-17/schedule', {
      windows: [{ day_of_week: 1, start: '09:00', end: '17:00', timezone: 'Europe/Dublin' }],
    });
    expect(schedule.status).toBe(200);
    expect(schedule.body.schedule.windows).toHaveLength(1);

    // 3. An accepted appointment: carechat opens its consultation and conversation.
    const appointment = await api<AppointmentResponse>('PUT', '/api/server/appointments/dj-apt-1001', {
      patient_external_id: 'dj-pat-42',
      practitioner_external_id: 'dj-doc-17',
      starts_at: '2026-01-05T14:00:00Z',
      ends_at: '2026-01-05T14:30:00Z',
      status: 'accepted',
    });
    expect(appointment.status).toBe(200);
    expect(appointment.body.appointment).toMatchObject({
      status: 'accepted',
      patient_id: patient.body.user.id,
      practitioner_id: doctor.body.user.id,
      consultation: { is_active: true },
    });
    const conversationId = appointment.body.appointment.consultation?.conversation_id;
    expect(conversationId).toBeTruthy();

    // 4. Tokens for the host's signed-in users.
    const patientToken = await api<ServerTokenResponse>('POST', '/api/server/users/dj-pat-42/tokens');
    const doctorToken = await api<ServerTokenResponse>('POST', '/api/server/users/dj-doc-17/tokens');
    expect(patientToken.status).toBe(201);
    expect(patientToken.body).toMatchObject({ user: { id: patient.body.user.id }, expires_in: 900 });

    // 5. The users chat with those tokens, as any client would.
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctorToken.body.access_token });
    const contacts = await request<ContactsResponse>(server.url, 'GET', '/api/contacts', {
      token: patientToken.body.access_token,
    });
    expect(contacts.body.contacts).toMatchObject([
      { user: { id: doctor.body.user.id }, conversation_id: conversationId },
    ]);
    const sent = await request(server.url, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: patientToken.body.access_token,
      body: { client_msg_id: 'host-1', content: 'Hello Dr. Byrne' },
    });
    expect(sent.status).toBe(201);
    await socket.next('chat_message', (f) => f.client_msg_id === 'host-1');
    await socket.close();

    // 6. The host cancels: the conversation stays readable but becomes read-only.
    const cancelled = await api<AppointmentResponse>('PUT', '/api/server/appointments/dj-apt-1001', {
      patient_external_id: 'dj-pat-42',
      practitioner_external_id: 'dj-doc-17',
      starts_at: '2026-01-05T14:00:00Z',
      ends_at: '2026-01-05T14:30:00Z',
      status: 'cancelled',
    });
    expect(cancelled.body.appointment).toMatchObject({
      status: 'cancelled',
      consultation: { is_active: false },
    });
    const list = await request<{ conversations: Conversation[] }>(server.url, 'GET', '/api/conversations', {
      token: doctorToken.body.access_token,
    });
    expect(list.body.conversations[0]).toMatchObject({ id: conversationId, state: 'read_only' });
    const history = await request<HistoryResponse>(
      server.url,
      'GET',
      `/api/conversations/${conversationId}/messages`,
      { token: doctorToken.body.access_token },
    );
    expect(history.body.messages.map((m) => m.content)).toEqual(['Hello Dr. Byrne']);
  });

  it('upserts: sending the same user again updates it', async () => {
    const first = await api<ServerUserResponse>('PUT', '/api/server/users/dj-upsert', {
      name: 'First',
      role: 'patient',
    });
    const again = await api<ServerUserResponse>('PUT', '/api/server/users/dj-upsert', {
      name: 'Renamed',
      role: 'patient',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, user: { id: first.body.user.id, name: 'Renamed' } });
  });

  it('records every change it makes in the audit trail, and completes no visit before it starts', async () => {
    const admin = await api<ServerUserResponse>('PUT', '/api/server/users/dj-audit-admin', {
      name: 'Audit Admin',
      role: 'admin',
    });
    const adminToken = await api<ServerTokenResponse>('POST', '/api/server/users/dj-audit-admin/tokens');
    await api('PUT', '/api/server/users/dj-audit-doc', { name: 'Dr. Audited', role: 'practitioner' });
    const patient = await api<ServerUserResponse>('PUT', '/api/server/users/dj-audit-pat', {
      name: 'Audited Patient',
      role: 'patient',
    });
    // A demotion names the old role and the new one.
    await api('PUT', '/api/server/users/dj-audit-admin', { name: 'Audit Admin', role: 'patient' });
    const visit = {
      patient_external_id: 'dj-audit-pat',
      practitioner_external_id: 'dj-audit-doc',
      starts_at: '2026-01-06T14:00:00Z',
      ends_at: '2026-01-06T14:30:00Z',
    };
    const early = await api('PUT', '/api/server/appointments/dj-audit-apt', {
      ...visit,
      status: 'completed',
    });
    expect(early).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    const accepted = await api<AppointmentResponse>('PUT', '/api/server/appointments/dj-audit-apt', {
      ...visit,
      status: 'accepted',
    });
    expect(accepted.body.appointment.status).toBe('accepted');

    // The demoted admin's token no longer reads the trail; a fresh admin does.
    const stale = await request(server.url, 'GET', '/api/admin/audit', {
      token: adminToken.body.access_token,
    });
    expect(stale.status).toBe(403);
    await api('PUT', '/api/server/users/dj-audit-admin-2', { name: 'Second Admin', role: 'admin' });
    const token = await api<ServerTokenResponse>('POST', '/api/server/users/dj-audit-admin-2/tokens');
    const trail = async (action: string, target: string) =>
      (
        await request<AuditPage>(
          server.url,
          'GET',
          `/api/admin/audit?action=${action}&target_user_id=${target}`,
          {
            token: token.body.access_token,
          },
        )
      ).body.events;
    expect(await trail('server.user_created', admin.body.user.id)).toEqual([
      expect.objectContaining({ door: 'server_api', actor_id: null, detail: { role: 'admin' } }),
    ]);
    expect(await trail('server.user_updated', admin.body.user.id)).toEqual([
      expect.objectContaining({ door: 'server_api', detail: { role: 'patient', previous_role: 'admin' } }),
    ]);
    // One row for the accepted appointment; the refused completion wrote nothing.
    expect(await trail('server.appointment_synced', patient.body.user.id)).toEqual([
      expect.objectContaining({
        door: 'server_api',
        detail: { appointment: accepted.body.appointment.id, status: 'accepted' },
      }),
    ]);
  });

  it('refuses requests without the key, with a wrong key, or with a user token', async () => {
    const body = { name: 'Nobody', role: 'patient' };
    const user = await request<{ access_token: string }>(server.url, 'POST', '/api/auth/register', {
      body: { email: 'api-user@example.test', password: 'correct horse battery', name: 'U', role: 'patient' },
    });
    for (const token of [undefined, 'wrong-key', `${KEY}x`, user.body.access_token]) {
      const res = await request(server.url, 'PUT', '/api/server/users/dj-x', {
        body,
        ...(token ? { token } : {}),
      });
      expect(res).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    }
    const created = await api('PUT', '/api/server/users/dj-x', body);
    expect(created.status).toBe(201);
  });

  it('refuses bad input with typed codes', async () => {
    expect(await api('PUT', '/api/server/users/bad id!', { name: 'X', role: 'patient' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request' } },
    });
    expect(await api('PUT', '/api/server/users/dj-r', { name: 'X', role: 'overlord' })).toMatchObject({
      status: 400,
    });
    expect(await api('POST', '/api/server/users/dj-missing/tokens')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    await api('PUT', '/api/server/users/dj-p1', { name: 'P1', role: 'patient' });
    await api('PUT', '/api/server/users/dj-p2', { name: 'P2', role: 'patient' });
    const twoPatients = await api('PUT', '/api/server/appointments/dj-apt-bad', {
      patient_external_id: 'dj-p1',
      practitioner_external_id: 'dj-p2',
      starts_at: '2026-01-05T14:00:00Z',
      ends_at: '2026-01-05T14:30:00Z',
      status: 'accepted',
    });
    expect(twoPatients).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await api('PUT', '/api/server/practitioners/dj-p1/schedule', { windows: [] })).toMatchObject({
      status: 404,
    });
    await api('PUT', '/api/server/users/dj-e1', { name: 'E1', role: 'patient', email: 'taken@example.test' });
    expect(
      await api('PUT', '/api/server/users/dj-e2', {
        name: 'E2',
        role: 'patient',
        email: 'taken@example.test',
      }),
    ).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });

  it('is off when SERVER_API_KEY is unset', async () => {
    const plain = await startServer({ dialect });
    try {
      const res = await request(plain.url, 'PUT', '/api/server/users/dj-1', {
        token: KEY,
        body: { name: 'X', role: 'patient' },
      });
      expect(res).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    } finally {
      await plain.close();
    }
  });
});
