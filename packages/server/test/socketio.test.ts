import type { Appointment, Conversation, HistoryResponse } from '@carechat/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { acceptedAppointment, moveAppointment, putSchedule } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, request, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocketIo, type Transport } from './helpers/socketio.js';
import { TestSocket } from './helpers/ws.js';

/** Monday 5 January 2026, 10:00 UTC: 11:00 in Paris, inside the practitioner's hours. */
const MONDAY_10 = '2026-01-05T10:00:00.000Z';
const HOURS = [{ day_of_week: 1, start: '09:00', end: '17:00', timezone: 'Europe/Paris' }];
const TRANSPORTS: Transport[] = ['websocket', 'polling'];

describe.each(DIALECTS)('Socket.IO door on %s', (dialect) => {
  const clock = new ManualClock(MONDAY_10);
  let server: TestServer;
  const open: TestSocketIo[] = [];

  beforeAll(async () => {
    // The default policy: a consultation's conversation follows the consultation rules (decision 1101).
    server = await startServer({ dialect, clock, env: { MESSAGING_POLICY: 'appointment' } });
  });
  beforeEach(() => clock.set(MONDAY_10));
  afterAll(async () => {
    for (const socket of open) socket.close();
    await server.close();
  });

  async function consultation(): Promise<{ doctor: TestUser; patient: TestUser; appointment: Appointment }> {
    const [doctor, patient] = await Promise.all([
      registerUser(server.url, { name: 'Dr. Socket', role: 'practitioner' }),
      registerUser(server.url, { name: 'Io Patient' }),
    ]);
    await putSchedule(server.url, doctor, HOURS);
    const appointment = await acceptedAppointment(
      server.url,
      patient,
      doctor,
      '2026-01-05T10:30:00.000Z',
      '2026-01-05T11:00:00.000Z',
    );
    return { doctor, patient, appointment };
  }

  describe.each(TRANSPORTS)('over %s', (transport) => {
    async function connect(token: string): Promise<TestSocketIo> {
      const socket = await TestSocketIo.connect(server.url, transport, { token });
      open.push(socket);
      return socket;
    }

    it('authenticates from the handshake token (auth.token or ?token=) and refuses without one', async () => {
      const user = await registerUser(server.url);
      await connect(user.token);
      const byQuery = await TestSocketIo.connect(server.url, transport, { queryToken: user.token });
      open.push(byQuery);
      await expect(TestSocketIo.connect(server.url, transport)).rejects.toThrow('unauthenticated');
      await expect(TestSocketIo.connect(server.url, transport, { token: 'forged' })).rejects.toThrow(
        'unauthenticated',
      );
    });

    it('send_message reaches both sides as new_message; the sender is the token’s user, whatever the event says', async () => {
      const { doctor, patient, appointment } = await consultation();
      const consultationId = appointment.consultation!.id;
      const [patientSocket, doctorSocket] = await Promise.all([
        connect(patient.token),
        connect(doctor.token),
      ]);
      // Only the patient joins: delivery does not depend on joining.
      const joined = await patientSocket.request<{ ok: boolean; consultation: { conversation_id: string } }>(
        'join_consultation',
        consultationId,
      );
      expect(joined).toMatchObject({ ok: true, consultation: { id: consultationId, is_active: true } });

      const ack = await patientSocket.request<{ ok: boolean; message: { seq: number } }>('send_message', {
        consultationId,
        sender: 'doctor',
        content: 'Hello doctor!',
      });
      expect(ack).toMatchObject({ ok: true, message: { seq: 1, sender_id: patient.user.id } });
      for (const socket of [doctorSocket, patientSocket]) {
        const message = await socket.next('new_message', (m) => m.consultationId === consultationId);
        expect(message).toMatchObject({
          consultationId,
          conversationId: appointment.consultation!.conversation_id,
          senderId: patient.user.id,
          sender: 'user',
          content: 'Hello doctor!',
          seq: 1,
        });
        expect(message.messageId).toBe(message.message_id);
      }
      const history = await request<HistoryResponse>(
        server.url,
        'GET',
        `/api/conversations/${joined.consultation.conversation_id}/messages`,
        { token: doctor.token },
      );
      expect(history.body.messages.map((m) => [m.sender_id, m.content])).toEqual([
        [patient.user.id, 'Hello doctor!'],
      ]);
    });

    it('messages from other doors arrive as new_message, in seq order', async () => {
      const { doctor, patient, appointment } = await consultation();
      const conversationId = appointment.consultation!.conversation_id!;
      const patientSocket = await connect(patient.token);
      const ws = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
      for (let i = 1; i <= 5; i++) {
        ws.send({
          type: 'chat_message',
          conversation_id: conversationId,
          content: `ws ${i}`,
          client_msg_id: `w${i}`,
        });
      }
      await ws.waitForCount('message_sent', 5);
      await ws.close();
      const seqs: unknown[] = [];
      for (let i = 1; i <= 5; i++) {
        const message = await patientSocket.next('new_message', (m) => m.conversationId === conversationId);
        expect(message.sender).toBe('doctor');
        seqs.push(message.seq);
      }
      expect(seqs).toEqual([1, 2, 3, 4, 5]);
    });

    it('applies the consultation rules: outside the schedule, expired, cancelled (as every door does)', async () => {
      const { doctor, patient, appointment } = await consultation();
      const consultationId = appointment.consultation!.id;
      const socket = await connect(patient.token);
      const attempt = async (expected: string) => {
        const ack = await socket.request<{ ok: boolean; error?: { code: string } }>('send_message', {
          consultationId,
          content: 'Anyone there?',
        });
        expect(ack).toMatchObject({ ok: false, error: { code: expected } });
        const error = await socket.next('error', (e) => e.code === expected);
        expect(typeof error.message).toBe('string');
      };
      clock.set('2026-01-05T18:00:00.000Z');
      await attempt('outside_schedule');
      clock.set('2026-01-12T10:00:00.000Z');
      await attempt('consultation_expired');
      clock.set(MONDAY_10);
      await moveAppointment(server.url, doctor, appointment.id, 'cancel');
      // Under the appointment policy a cancelled appointment is appointment_not_accepted, by
      // consultation id as on every other door (decision 1101).
      await attempt('appointment_not_accepted');
    });

    it('refuses someone else’s consultation and bad payloads, and stays usable', async () => {
      const { appointment } = await consultation();
      const outsider = await registerUser(server.url);
      const socket = await connect(outsider.token);
      const consultationId = appointment.consultation!.id;
      expect(await socket.request('join_consultation', consultationId)).toMatchObject({
        ok: false,
        error: { code: 'not_participant' },
      });
      expect(await socket.request('send_message', { consultationId, content: 'Let me in' })).toMatchObject({
        ok: false,
        error: { code: 'not_participant' },
      });
      for (const bad of [
        null,
        42,
        { consultationId },
        { content: 'no target' },
        { consultationId: '', content: 'x' },
      ]) {
        expect(await socket.request('send_message', bad)).toMatchObject({
          ok: false,
          error: { code: 'invalid_request' },
        });
      }
      expect(await socket.request('join_consultation', { nope: true })).toMatchObject({ ok: false });
      expect(await socket.request('leave_consultation', consultationId)).toMatchObject({
        ok: false,
        error: { code: 'not_participant' },
      });
      expect(socket.socket.connected).toBe(true);
    });

    it('create_conversation reaches the other side live; doctor_ready, user_joined and user_left arrive as events', async () => {
      const { doctor, patient, appointment } = await consultation();
      const colleague = await registerUser(server.url, { name: 'Dr. Colleague', role: 'practitioner' });
      // The patient first: the practitioner coming online inside their hours sends doctor_ready.
      const patientSocket = await connect(patient.token);
      const [doctorSocket, colleagueSocket] = await Promise.all([
        connect(doctor.token),
        connect(colleague.token),
      ]);

      const created = await doctorSocket.request<{
        ok: boolean;
        conversation: Conversation;
        created: boolean;
      }>('create_conversation', { targetUserId: colleague.user.id });
      expect(created).toMatchObject({ ok: true, created: true });
      const live = await colleagueSocket.next('conversation_created');
      expect((live.conversation as Conversation).id).toBe(created.conversation.id);
      expect(
        await patientSocket.request('create_conversation', { targetUserId: colleague.user.id }),
      ).toMatchObject({
        ok: false,
        error: { code: 'no_care_relationship' },
      });

      const ready = await patientSocket.next('doctor_ready');
      expect(ready).toMatchObject({
        consultationId: appointment.consultation!.id,
        doctorId: doctor.user.id,
        message: 'Doctor is now available',
      });

      const team = await request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
        token: doctor.token,
        body: { participant_ids: [patient.user.id, colleague.user.id] },
      });
      const groupId = team.body.conversation.id;
      const nurse = await registerUser(server.url, { role: 'practitioner' });
      await request(server.url, 'POST', `/api/conversations/${groupId}/participants`, {
        token: doctor.token,
        body: { user_ids: [nurse.user.id] },
      });
      expect(await patientSocket.next('user_joined', (e) => e.conversationId === groupId)).toMatchObject({
        conversation_id: groupId,
        user_id: nurse.user.id,
        userId: nurse.user.id,
      });
      await request(server.url, 'DELETE', `/api/conversations/${groupId}/participants/${colleague.user.id}`, {
        token: doctor.token,
      });
      await patientSocket.next('user_left', (e) => e.userId === colleague.user.id);
      await colleagueSocket.next('user_left', (e) => e.userId === colleague.user.id);
    });
  });
});
