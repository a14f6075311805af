import type { Conversation, HistoryResponse, Message } from '@carechat/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import {
  acceptedAppointment,
  listConversations,
  moveAppointment,
  putSchedule,
  requestAppointment,
  signInAgain,
} from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/** Monday 5 January 2026, 10:00 UTC (11:00 in Paris). */
const MONDAY_10 = '2026-01-05T10:00:00.000Z';
const SLOT = { start: '2026-01-05T10:30:00.000Z', end: '2026-01-05T11:00:00.000Z' };
/** Mondays 09:00-17:00 in Paris (08:00-16:00 UTC in winter). */
const MONDAYS_IN_PARIS = [{ day_of_week: 1, start: '09:00', end: '17:00', timezone: 'Europe/Paris' }];

function openAs(server: TestServer, by: TestUser, ...others: TestUser[]) {
  return request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
    token: by.token,
    body: { participant_ids: others.map((o) => o.user.id) },
  });
}

async function pair(server: TestServer) {
  const [doctor, patient] = await Promise.all([
    registerUser(server.url, { name: 'Dr. Policy', role: 'practitioner' }),
    registerUser(server.url, { name: 'Pat' }),
  ]);
  return { doctor, patient };
}

describe.each(DIALECTS)('messaging policies on %s', (dialect) => {
  describe('appointment (the default)', () => {
    let server: TestServer;
    beforeAll(async () => {
      const clock = new ManualClock(MONDAY_10);
      server = await startServer({ dialect, clock, env: { MESSAGING_POLICY: 'appointment' } });
    });
    afterAll(() => server.close());

    it('refuses to start without any appointment: no_care_relationship', async () => {
      const { doctor, patient } = await pair(server);
      for (const [by, other] of [
        [patient, doctor],
        [doctor, patient],
      ] as const) {
        const res = await openAs(server, by, other);
        expect(res).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
      }
    });

    it('refuses while the appointment is only requested, or declined: appointment_not_accepted', async () => {
      const { doctor, patient } = await pair(server);
      const appointment = await requestAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
      expect(await openAs(server, patient, doctor)).toMatchObject({
        status: 403,
        body: { error: { code: 'appointment_not_accepted' } },
      });
      await moveAppointment(server.url, doctor, appointment.id, 'decline');
      expect(await openAs(server, doctor, patient)).toMatchObject({
        status: 403,
        body: { error: { code: 'appointment_not_accepted' } },
      });
    });

    it('an accepted appointment opens the conversation; both sides send over HTTP and WebSocket', async () => {
      const { doctor, patient } = await pair(server);
      const appointment = await acceptedAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
      const conversationId = appointment.consultation?.conversation_id;
      expect(conversationId).toBeTruthy();
      const opened = await openAs(server, patient, doctor);
      expect(opened.status).toBe(200);
      expect(opened.body.conversation).toMatchObject({
        id: conversationId,
        state: 'open',
        read_only_reason: null,
      });
      expect((await sendHttp(server.url, doctor, conversationId!, 'See you at 10:30')).status).toBe(201);
      const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: patient.token });
      socket.send({
        type: 'chat_message',
        conversation_id: conversationId,
        content: 'Thanks',
        client_msg_id: 'p1',
      });
      await socket.next('message_sent', (f) => f.client_msg_id === 'p1');
      await socket.close();
    });

    it('a cancelled appointment leaves the conversation readable but read-only, on every door', async () => {
      const { doctor, patient } = await pair(server);
      const appointment = await acceptedAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
      const conversationId = appointment.consultation!.conversation_id!;
      const sent = await sendHttp(server.url, doctor, conversationId, 'Before the cancellation');
      expect(sent.status).toBe(201);
      expect((await moveAppointment(server.url, patient, appointment.id, 'cancel')).status).toBe(200);

      const refused = await sendHttp(server.url, patient, conversationId, 'Hello?');
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'appointment_not_accepted' } } });
      const edit = await request(server.url, 'PATCH', `/api/messages/${sent.body.message.message_id}`, {
        token: doctor.token,
        body: { content: 'Edited after' },
      });
      expect(edit).toMatchObject({ status: 403, body: { error: { code: 'appointment_not_accepted' } } });
      const socket = await TestSocket.connect(`${server.wsUrl}/ws/chat/${conversationId}/`, {
        token: doctor.token,
      });
      socket.send({ type: 'chat_message', content: 'Over the socket', client_msg_id: 'd1' });
      const error = await socket.next('error', (f) => f.ref === 'd1');
      expect(error.code).toBe('appointment_not_accepted');
      await socket.close();

      const history = await request<HistoryResponse>(
        server.url,
        'GET',
        `/api/conversations/${conversationId}/messages`,
        { token: patient.token },
      );
      expect(history.body.messages.map((m: Message) => m.content)).toEqual(['Before the cancellation']);
      const [listed] = (await listConversations(server.url, patient)).filter((c) => c.id === conversationId);
      expect(listed).toMatchObject({ state: 'read_only', read_only_reason: 'appointment_not_accepted' });
    });

    it('two patients never share a conversation; practitioners may talk among themselves', async () => {
      const [a, b, d1, d2] = await Promise.all([
        registerUser(server.url),
        registerUser(server.url),
        registerUser(server.url, { role: 'practitioner' }),
        registerUser(server.url, { role: 'practitioner' }),
      ]);
      expect(await openAs(server, a, b)).toMatchObject({
        status: 403,
        body: { error: { code: 'no_care_relationship' } },
      });
      const colleagues = await openAs(server, d1, d2);
      expect(colleagues.status).toBe(201);
      expect((await sendHttp(server.url, d2, colleagues.body.conversation.id, 'Coffee?')).status).toBe(201);
    });

    it('a conversation opened for an appointment must be between its two people', async () => {
      const { doctor, patient } = await pair(server);
      const other = await registerUser(server.url, { role: 'practitioner' });
      const appointment = await acceptedAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
      const res = await request(server.url, 'POST', '/api/conversations', {
        token: patient.token,
        body: { participant_ids: [other.user.id], appointment_id: appointment.id },
      });
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
    });
  });

  describe('consultation', () => {
    let server: TestServer;
    const clock = new ManualClock(MONDAY_10);
    beforeAll(async () => {
      server = await startServer({ dialect, clock, env: { MESSAGING_POLICY: 'consultation' } });
    });
    beforeEach(() => clock.set(MONDAY_10));
    afterAll(() => server.close());

    async function liveConsultation() {
      const { doctor, patient } = await pair(server);
      await putSchedule(server.url, doctor, MONDAYS_IN_PARIS);
      const appointment = await acceptedAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
      return { doctor, patient, appointment, conversationId: appointment.consultation!.conversation_id! };
    }

    it('opens a consultation on accept, expiring 72 hours after the appointment ends', async () => {
      const { appointment } = await liveConsultation();
      expect(appointment.consultation).toMatchObject({
        is_active: true,
        expires_at: '2026-01-08T11:00:00.000Z',
      });
    });

    it('sends inside the schedule; outside it refuses with outside_schedule, yet the conversation stays open', async () => {
      const { doctor, patient, conversationId } = await liveConsultation();
      expect((await sendHttp(server.url, patient, conversationId, 'Morning')).status).toBe(201);
      // 18:00 in Paris: after hours.
      clock.set('2026-01-05T17:00:00.000Z');
      await signInAgain(server.url, patient);
      expect(await sendHttp(server.url, patient, conversationId, 'Evening')).toMatchObject({
        status: 403,
        body: { error: { code: 'outside_schedule' } },
      });
      // Tuesday: no window at all.
      clock.set('2026-01-06T10:00:00.000Z');
      await signInAgain(server.url, doctor);
      expect(await sendHttp(server.url, doctor, conversationId, 'Tuesday')).toMatchObject({
        status: 403,
        body: { error: { code: 'outside_schedule' } },
      });
      const [listed] = (await listConversations(server.url, doctor)).filter((c) => c.id === conversationId);
      expect(listed).toMatchObject({ state: 'open', read_only_reason: null });
    });

    it('an expired consultation refuses with consultation_expired and is read-only', async () => {
      const { patient, conversationId } = await liveConsultation();
      // The next Monday, inside the schedule, but past expires_at.
      clock.set('2026-01-12T10:00:00.000Z');
      await signInAgain(server.url, patient);
      expect(await sendHttp(server.url, patient, conversationId, 'Still there?')).toMatchObject({
        status: 403,
        body: { error: { code: 'consultation_expired' } },
      });
      const [listed] = (await listConversations(server.url, patient)).filter((c) => c.id === conversationId);
      expect(listed).toMatchObject({ state: 'read_only', read_only_reason: 'consultation_expired' });
      const history = await request(server.url, 'GET', `/api/conversations/${conversationId}/messages`, {
        token: patient.token,
      });
      expect(history.status).toBe(200);
    });

    it('a cancelled appointment makes its consultation inactive: consultation_inactive', async () => {
      const { doctor, patient, appointment, conversationId } = await liveConsultation();
      const cancelled = await moveAppointment(server.url, doctor, appointment.id, 'cancel');
      expect(cancelled.body.appointment.consultation).toMatchObject({ is_active: false });
      expect(await sendHttp(server.url, patient, conversationId, 'Why?')).toMatchObject({
        status: 403,
        body: { error: { code: 'consultation_inactive' } },
      });
      const [listed] = (await listConversations(server.url, patient)).filter((c) => c.id === conversationId);
      expect(listed).toMatchObject({ state: 'read_only', read_only_reason: 'consultation_inactive' });
    });

    it('without an accepted appointment: no_care_relationship, then appointment_not_accepted', async () => {
      const { doctor, patient } = await pair(server);
      await putSchedule(server.url, doctor, MONDAYS_IN_PARIS);
      expect(await openAs(server, patient, doctor)).toMatchObject({
        status: 403,
        body: { error: { code: 'no_care_relationship' } },
      });
      await requestAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
      expect(await openAs(server, patient, doctor)).toMatchObject({
        status: 403,
        body: { error: { code: 'appointment_not_accepted' } },
      });
    });

    it('checks edits too: outside the schedule an edit is refused', async () => {
      const { patient, conversationId } = await liveConsultation();
      const sent = await sendHttp(server.url, patient, conversationId, 'Typo here');
      clock.set('2026-01-05T20:00:00.000Z');
      await signInAgain(server.url, patient);
      const edit = await request(server.url, 'PATCH', `/api/messages/${sent.body.message.message_id}`, {
        token: patient.token,
        body: { content: 'Fixed' },
      });
      expect(edit).toMatchObject({ status: 403, body: { error: { code: 'outside_schedule' } } });
    });
  });

  describe('open', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ dialect, env: { MESSAGING_POLICY: 'open' } });
    });
    afterAll(() => server.close());

    it('lets any two users who find each other talk', async () => {
      const [a, b] = await Promise.all([registerUser(server.url), registerUser(server.url)]);
      const res = await openAs(server, a, b);
      expect(res.status).toBe(201);
      expect(res.body.conversation.state).toBe('open');
      expect((await sendHttp(server.url, b, res.body.conversation.id, 'hi')).status).toBe(201);
    });
  });
});
