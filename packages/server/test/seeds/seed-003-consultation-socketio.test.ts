import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/ports/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
// @ts-expect-error the seed's client is JavaScript, without types
import { consultationClient } from './clients/seed-003/chat-test-client.js';
import { waitFor } from './helpers/browser-page.js';
import { HostSite } from './helpers/host-site.js';

/** A Monday, 10:00 UTC: inside Dr. Lee's hours (Mondays 09:00–17:00 UTC), during the visit. */
const NOW = '2026-01-05T10:00:00.000Z';
const VISIT = { startsAt: '2026-01-05T09:30:00Z', endsAt: '2026-01-05T10:30:00Z' };
const KEY = 'server-api-key-for-the-seed-003-suite-0123456789';

type Payload = Record<string, unknown>;
interface Client {
  socket: import('socket.io-client').Socket;
  show: Record<'new_message' | 'doctor_ready' | 'error' | 'user_joined' | 'user_left', Payload[]>;
  join(consultationId: string): void;
  send(consultationId: string, sender: string, content: string): void;
  leave(consultationId: string): void;
}

/**
 * Seed 003's consultation chat client (its events and handlers, test/seeds/clients/seed-003) on a
 * real socket.io-client against carechat's Socket.IO door, on SQLite and PostgreSQL: rooms with
 * user_joined/user_left, new_message with `user` and `doctor`, doctor_ready, and every refusal
 * its server made (consultation missing, inactive, expired, outside the doctor's hours) as its
 * `error` event with carechat's code, nothing stored. Identity is the handshake's token.
 */
describe.each(DIALECTS)('seed 003 (Socket.IO consultation rooms) on %s', (dialect) => {
  let server: TestServer;
  let host: HostSite;
  const clock = new ManualClock(NOW);
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock,
      env: { SERVER_API_KEY: KEY, MESSAGING_POLICY: 'consultation', CONSULTATION_WINDOW_HOURS: '48' },
    });
    host = new HostSite(server.url, KEY);
  });
  afterAll(async () => {
    for (const client of clients) client.socket.close();
    await server?.close();
  });

  async function consultation() {
    clock.set(NOW);
    const tag = randomBytes(4).toString('hex');
    const doctor = await host.user(`doc-${tag}`, 'Dr. Lee', 'practitioner');
    const patient = await host.user(`pat-${tag}`, 'Pat Kim', 'patient');
    await host.schedule(`doc-${tag}`, [{ day_of_week: 1, start: '09:00', end: '17:00', timezone: 'UTC' }]);
    const appointment = await host.appointment(`apt-${tag}`, {
      patient: `pat-${tag}`,
      practitioner: `doc-${tag}`,
      ...VISIT,
      status: 'accepted',
    });
    const connect = async (externalId: string, transport: 'websocket' | 'polling') => {
      const { access_token } = await host.tokenFor(externalId);
      const client: Client = consultationClient(io, server.url, access_token, { transports: [transport] });
      clients.push(client);
      await new Promise<void>((resolve, reject) => {
        client.socket.once('connect', () => resolve());
        client.socket.once('connect_error', reject);
      });
      return client;
    };
    return {
      tag,
      doctor,
      patient,
      appointment,
      consultationId: appointment.consultation!.id,
      conversationId: appointment.consultation!.conversation_id!,
      patientClient: await connect(`pat-${tag}`, 'websocket'),
      doctorClient: await connect(`doc-${tag}`, 'polling'),
      connect,
    };
  }

  const history = async (conversationId: string, externalId: string) => {
    const { access_token } = await host.tokenFor(externalId);
    const res = await request<{ messages: Array<{ content: string }> }>(
      server.url,
      'GET',
      `/api/conversations/${conversationId}/messages`,
      { token: access_token },
    );
    return res.body.messages.map((m) => m.content);
  };

  it('joins, talks and leaves a consultation room as the seed does', async () => {
    const { doctor, patient, consultationId, patientClient, doctorClient } = await consultation();
    doctorClient.join(consultationId);
    await waitFor(() => patientClient.show.user_joined[0], 'the doctor joining');
    expect(patientClient.show.user_joined[0]).toMatchObject({
      consultationId,
      userId: doctor.id,
      sender: 'doctor',
    });
    patientClient.join(consultationId);
    await waitFor(() => doctorClient.show.user_joined[0], 'the patient joining');
    expect(doctorClient.show.user_joined[0]).toMatchObject({
      consultationId,
      userId: patient.id,
      sender: 'user',
    });
    // A socket does not hear its own join.
    expect(patientClient.show.user_joined).toHaveLength(1);

    // The seed's sender field is a claim: the server says who sent it.
    patientClient.send(consultationId, 'doctor', 'Hello doctor!');
    const got = await waitFor(() => doctorClient.show.new_message[0], 'the message');
    expect(got).toMatchObject({
      consultationId,
      sender: 'user',
      content: 'Hello doctor!',
      user: { id: patient.id, name: 'Pat Kim' },
      doctor: { id: doctor.id, name: 'Dr. Lee' },
    });
    expect(typeof got.messageId).toBe('string');
    expect(Number.isNaN(Date.parse(String(got.sentAt)))).toBe(false);
    // The sending socket sees its own message like everyone in the room.
    await waitFor(() => patientClient.show.new_message[0], 'the echo');
    doctorClient.send(consultationId, 'doctor', 'Hello Pat, how can I help?');
    await waitFor(() => patientClient.show.new_message[1], 'the reply');
    expect(patientClient.show.new_message[1]).toMatchObject({
      sender: 'doctor',
      content: 'Hello Pat, how can I help?',
    });

    // The doctor leaves: the patient hears it, and the doctor's socket hears nothing more of the room.
    doctorClient.leave(consultationId);
    await waitFor(() => patientClient.show.user_left[0], 'the doctor leaving');
    expect(patientClient.show.user_left[0]).toMatchObject({ consultationId, userId: doctor.id });
    patientClient.send(consultationId, 'user', 'Are you still there?');
    await waitFor(() => patientClient.show.new_message[2], 'the second echo');
    doctorClient.join(consultationId);
    await waitFor(() => patientClient.show.user_joined[1], 'the doctor back');
    patientClient.send(consultationId, 'user', 'There you are.');
    await waitFor(
      () => doctorClient.show.new_message.find((m) => m.content === 'There you are.'),
      'after rejoining',
    );
    expect(doctorClient.show.new_message.map((m) => m.content)).toEqual([
      'Hello doctor!',
      'Hello Pat, how can I help?',
      'There you are.',
    ]);
    expect(doctorClient.show.error).toEqual([]);
    expect(patientClient.show.error).toEqual([]);
  });

  it('hears doctor_ready when the doctor is available during the consultation', async () => {
    const { consultationId, doctor, patientClient } = await consultation();
    await server.app.core.doctorReady.check(doctor.id);
    const ready = await waitFor(() => patientClient.show.doctor_ready[0], 'doctor_ready');
    expect(ready).toMatchObject({ consultationId, doctorId: doctor.id, message: 'Doctor is now available' });
  });

  it("answers the seed's error cases on its error event with carechat's code, storing nothing", async () => {
    const { tag, consultationId, conversationId, patientClient, connect } = await consultation();
    const errors = patientClient.show.error;
    const expectError = async (n: number, code: string) => {
      const error = await waitFor(() => errors[n], `error ${code}`);
      expect(error).toMatchObject({ code });
      expect(typeof error.message).toBe('string');
    };
    // Required fields, and their types.
    patientClient.socket.emit('send_message', { consultationId, sender: 'user' });
    await expectError(0, 'invalid_request');
    patientClient.socket.emit('send_message', { consultationId, content: 7 });
    await expectError(1, 'invalid_request');
    // A consultation that does not exist, or is someone else's.
    patientClient.send('consultation-123', 'user', 'Hello doctor!');
    await expectError(2, 'not_participant');
    patientClient.join('consultation-123');
    await expectError(3, 'not_participant');
    // Outside the doctor's hours (Monday 18:00), then after the consultation expired.
    clock.set('2026-01-05T18:00:00.000Z');
    patientClient.send(consultationId, 'user', 'Evening?');
    await expectError(4, 'outside_schedule');
    clock.set('2026-01-12T10:00:00.000Z');
    const late = await connect(`pat-${tag}`, 'websocket');
    late.send(consultationId, 'user', 'Next Monday?');
    const expired = await waitFor(() => late.show.error[0], 'consultation_expired');
    expect(expired).toMatchObject({ code: 'consultation_expired' });
    clock.set(NOW);
    expect(await history(conversationId, `pat-${tag}`)).toEqual([]);
  });

  it('an inactive consultation refuses, and a handshake without a carechat token is refused', async () => {
    const { tag, consultationId, conversationId, patientClient } = await consultation();
    await host.appointment(`apt-${tag}`, {
      patient: `pat-${tag}`,
      practitioner: `doc-${tag}`,
      ...VISIT,
      status: 'cancelled',
    });
    patientClient.send(consultationId, 'user', 'Still on?');
    const inactive = await waitFor(() => patientClient.show.error[0], 'consultation_inactive');
    expect(inactive).toMatchObject({ code: 'consultation_inactive' });
    expect(await history(conversationId, `pat-${tag}`)).toEqual([]);

    // The seed's own io(SERVER_URL), without the token line: refused at the handshake.
    const bare = io(server.url, { forceNew: true, reconnection: false });
    const refused = await new Promise<Error>((resolve) => bare.once('connect_error', resolve));
    bare.close();
    expect(refused.message).toBe('unauthenticated');
  });
});
