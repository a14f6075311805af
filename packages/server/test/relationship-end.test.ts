import type { Appointment, Conversation } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { acceptedAppointment, listConversations, moveAppointment, signInAgain } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/** A Monday, 10:00 UTC. */
const NOW = '2026-01-05T10:00:00.000Z';
/** Under way at NOW; with a 48-hour window the relationship holds until 2026-01-07T10:30Z. */
const VISIT = { start: '2026-01-05T09:30:00.000Z', end: '2026-01-05T10:30:00.000Z' };
const HOLD_END = '2026-01-07T10:30:00.000Z';

/**
 * Issue 12, point 3: a relationship has an end. It holds while an accepted appointment is ahead or
 * within CONSULTATION_WINDOW_HOURS after its end (completed or not), then every conversation it
 * carried becomes read-only on every door; either side may end it early.
 */
describe.each(DIALECTS)('a care relationship ends on %s', (dialect) => {
  let server: TestServer;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock,
      env: { MESSAGING_POLICY: 'appointment', CONSULTATION_WINDOW_HOURS: '48' },
    });
  });
  afterAll(() => server.close());

  async function visit() {
    clock.set(NOW);
    const [patient, doctor, nurse] = await Promise.all([
      registerUser(server.url, { name: 'Ending Patient' }),
      registerUser(server.url, { name: 'Dr. Ending', role: 'practitioner' }),
      registerUser(server.url, { name: 'Nurse Ending', role: 'practitioner' }),
    ]);
    const appointment = await acceptedAppointment(server.url, patient, doctor, VISIT.start, VISIT.end);
    const direct = appointment.consultation!.conversation_id!;
    const group = await request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
      token: doctor.token,
      body: { participant_ids: [patient.user.id, nurse.user.id] },
    });
    expect(group.status).toBe(201);
    return { patient, doctor, nurse, appointment, direct, group: group.body.conversation.id };
  }

  const states = async (user: TestUser) =>
    new Map((await listConversations(server.url, user)).map((c) => [c.id, c]));

  async function refusedOverWs(by: TestUser, conversationId: string): Promise<string> {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws/chat/${conversationId}/`, {
      token: by.token,
    });
    socket.send({ type: 'chat_message', content: 'Over the socket', client_msg_id: 'ws-end' });
    const error = await socket.next('error', (f) => f.ref === 'ws-end');
    await socket.close();
    return String(error.code);
  }

  it('a completed visit holds until the window after its end, then every conversation it carried is read-only', async () => {
    const { patient, doctor, nurse, appointment, direct, group } = await visit();
    const completed = await moveAppointment(server.url, doctor, appointment.id, 'complete');
    expect(completed.body.appointment).toMatchObject({ status: 'completed', ended_at: null });

    const before = await states(patient);
    expect(before.get(direct)).toMatchObject({ state: 'open', open_until: HOLD_END });
    expect(before.get(group)).toMatchObject({ state: 'open', open_until: HOLD_END });
    const one = await request<{ conversation: Conversation }>(
      server.url,
      'GET',
      `/api/conversations/${group}`,
      {
        token: nurse.token,
      },
    );
    expect(one.body.conversation.open_until).toBe(HOLD_END);

    // Just before the end it still holds; just after it no longer does, for the group too.
    clock.set('2026-01-07T10:29:00.000Z');
    await Promise.all([patient, doctor, nurse].map((u) => signInAgain(server.url, u)));
    expect((await sendHttp(server.url, nurse, group, 'Last call')).status).toBe(201);
    clock.set('2026-01-07T10:31:00.000Z');
    await Promise.all([patient, doctor, nurse].map((u) => signInAgain(server.url, u)));
    for (const [who, id] of [
      [patient, direct],
      [doctor, direct],
      [nurse, group],
      [patient, group],
    ] as const) {
      expect(await sendHttp(server.url, who, id, 'Too late')).toMatchObject({
        status: 403,
        body: { error: { code: 'consultation_expired' } },
      });
    }
    expect(await refusedOverWs(patient, group)).toBe('consultation_expired');
    expect(await refusedOverWs(doctor, direct)).toBe('consultation_expired');
    const after = await states(patient);
    for (const id of [direct, group]) {
      expect(after.get(id)).toMatchObject({
        state: 'read_only',
        read_only_reason: 'consultation_expired',
        open_until: null,
      });
    }
    // Still readable.
    const history = await request(server.url, 'GET', `/api/conversations/${group}/messages`, {
      token: patient.token,
    });
    expect(history.status).toBe(200);
  });

  it('a new accepted appointment opens the relationship again', async () => {
    const { patient, doctor, group } = await visit();
    clock.set('2026-01-08T10:00:00.000Z');
    await Promise.all([patient, doctor].map((u) => signInAgain(server.url, u)));
    expect((await sendHttp(server.url, patient, group, 'Hello?')).status).toBe(403);
    await acceptedAppointment(
      server.url,
      patient,
      doctor,
      '2026-01-09T09:00:00.000Z',
      '2026-01-09T09:30:00.000Z',
    );
    expect((await states(patient)).get(group)).toMatchObject({
      state: 'open',
      open_until: '2026-01-11T09:30:00.000Z',
    });
    expect((await sendHttp(server.url, patient, group, 'Booked again')).status).toBe(201);
  });

  it('either side ends it early: read-only at once on every door, and ending again is harmless', async () => {
    const { patient, doctor, nurse, appointment, direct, group } = await visit();
    // The doctor's open app hears that both conversations became read-only, without reloading.
    const doctorLive = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    await doctorLive.roundTrip();
    const ended = await request<{ appointment: Appointment }>(
      server.url,
      'POST',
      `/api/appointments/${appointment.id}/end`,
      { token: patient.token },
    );
    expect(ended.status).toBe(200);
    expect(ended.body.appointment).toMatchObject({
      status: 'accepted',
      ended_at: NOW,
      consultation: { is_active: false },
    });
    expect(await sendHttp(server.url, doctor, direct, 'Wait')).toMatchObject({
      status: 403,
      body: { error: { code: 'consultation_inactive' } },
    });
    expect(await sendHttp(server.url, nurse, group, 'Wait')).toMatchObject({
      status: 403,
      body: { error: { code: 'consultation_inactive' } },
    });
    await doctorLive.waitForCount('conversation_state', 2);
    const heard = doctorLive.all('conversation_state');
    expect(heard.map((f) => f.conversation_id).sort()).toEqual([direct, group].sort());
    for (const frame of heard) {
      expect(frame).toMatchObject({
        state: 'read_only',
        read_only_reason: 'consultation_inactive',
        open_until: null,
      });
    }
    await doctorLive.close();
    expect(await refusedOverWs(doctor, direct)).toBe('consultation_inactive');
    expect((await states(doctor)).get(direct)).toMatchObject({
      state: 'read_only',
      read_only_reason: 'consultation_inactive',
    });
    const again = await request<{ appointment: Appointment }>(
      server.url,
      'POST',
      `/api/appointments/${appointment.id}/end`,
      { token: doctor.token },
    );
    expect(again).toMatchObject({ status: 200, body: { appointment: { ended_at: NOW } } });
  });

  it('ending a visit that has not started cancels it; strangers and finished appointments are refused', async () => {
    const { patient, doctor } = await visit();
    const stranger = await registerUser(server.url);
    const ahead = await acceptedAppointment(
      server.url,
      patient,
      doctor,
      '2026-01-06T09:00:00.000Z',
      '2026-01-06T09:30:00.000Z',
    );
    expect(
      await request(server.url, 'POST', `/api/appointments/${ahead.id}/end`, { token: stranger.token }),
    ).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const ended = await request<{ appointment: Appointment }>(
      server.url,
      'POST',
      `/api/appointments/${ahead.id}/end`,
      { token: doctor.token },
    );
    expect(ended.body.appointment).toMatchObject({ status: 'cancelled', ended_at: NOW });
    const declined = await request<{ appointment: Appointment }>(server.url, 'POST', '/api/appointments', {
      token: patient.token,
      body: {
        practitioner_id: doctor.user.id,
        starts_at: '2026-01-06T11:00:00.000Z',
        ends_at: '2026-01-06T11:30:00.000Z',
      },
    });
    await moveAppointment(server.url, doctor, declined.body.appointment.id, 'decline');
    expect(
      await request(server.url, 'POST', `/api/appointments/${declined.body.appointment.id}/end`, {
        token: patient.token,
      }),
    ).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });
});
