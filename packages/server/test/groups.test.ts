import type { Conversation } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { acceptedAppointment } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, request, sendHttp } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

const NOW = '2026-01-05T10:00:00.000Z';

describe.each(DIALECTS)('care-team group conversations on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock: new ManualClock(NOW),
      env: { MESSAGING_POLICY: 'appointment' },
    });
  });
  afterAll(() => server.close());

  /** A patient, their practitioner (linked by an accepted appointment), and a nurse colleague. */
  async function careTeam() {
    const [patient, doctor, nurse, outsider] = await Promise.all([
      registerUser(server.url, { name: 'Team Patient' }),
      registerUser(server.url, { name: 'Dr. Team', role: 'practitioner' }),
      registerUser(server.url, { name: 'Nurse Team', role: 'practitioner' }),
      registerUser(server.url, { name: 'Outside Patient' }),
    ]);
    await acceptedAppointment(server.url, patient, doctor, '2026-01-06T10:00:00Z', '2026-01-06T10:30:00Z');
    const created = await request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
      token: doctor.token,
      body: { participant_ids: [patient.user.id, nurse.user.id] },
    });
    expect(created.status).toBe(201);
    expect(created.body.conversation.kind).toBe('group');
    return { patient, doctor, nurse, outsider, conversation: created.body.conversation };
  }

  const participantsPath = (c: Conversation) => `/api/conversations/${c.id}/participants`;

  it('a patient with several practitioners in one conversation gets the same promises', async () => {
    const { patient, doctor, nurse, conversation } = await careTeam();
    const sockets = await Promise.all(
      [patient, doctor, nurse].map((u) => TestSocket.connect(`${server.wsUrl}/ws`, { token: u.token })),
    );
    const sent = await sendHttp(server.url, patient, conversation.id, 'Thank you both');
    expect(sent.status).toBe(201);
    for (const socket of sockets.slice(1)) {
      const frame = await socket.next('chat_message', (f) => f.conversation_id === conversation.id);
      expect(frame.seq).toBe(1);
    }
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('a group with two patients is refused, and so is one whose patient has no care relationship', async () => {
    const { doctor, outsider, nurse } = await careTeam();
    const other = await registerUser(server.url);
    const twoPatients = await request(server.url, 'POST', '/api/conversations', {
      token: doctor.token,
      body: { participant_ids: [outsider.user.id, other.user.id] },
    });
    expect(twoPatients).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
    const unrelated = await request(server.url, 'POST', '/api/conversations', {
      token: nurse.token,
      body: { participant_ids: [outsider.user.id, doctor.user.id] },
    });
    expect(unrelated).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
  });

  it('adding a participant: user_joined to everyone, conversation_created to the newcomer', async () => {
    const { patient, doctor, conversation } = await careTeam();
    const pharmacist = await registerUser(server.url, { name: 'Pharmacist', role: 'practitioner' });
    const [patientSocket, newcomerSocket] = await Promise.all([
      TestSocket.connect(`${server.wsUrl}/ws`, { token: patient.token }),
      TestSocket.connect(`${server.wsUrl}/ws`, { token: pharmacist.token }),
    ]);
    await sendHttp(server.url, doctor, conversation.id, 'Before you joined');
    const added = await request<{ conversation: Conversation }>(
      server.url,
      'POST',
      participantsPath(conversation),
      {
        token: doctor.token,
        body: { user_ids: [pharmacist.user.id] },
      },
    );
    expect(added.status).toBe(200);
    expect(added.body.conversation.participants.map((p) => p.user.id)).toContain(pharmacist.user.id);
    const joined = await patientSocket.next('user_joined');
    expect(joined).toEqual({
      type: 'user_joined',
      conversation_id: conversation.id,
      user_id: pharmacist.user.id,
    });
    await newcomerSocket.next('user_joined', (f) => f.user_id === pharmacist.user.id);
    const created = await newcomerSocket.next(
      'conversation_created',
      (f) => f.conversation.id === conversation.id,
    );
    // The history is there to read, but it is not news to them.
    expect(created.conversation.unread_count).toBe(0);
    expect((await sendHttp(server.url, pharmacist, conversation.id, 'Hello team')).status).toBe(201);
    await Promise.all([patientSocket.close(), newcomerSocket.close()]);
  });

  it('a removed participant loses access at once, history included; the others get user_left', async () => {
    const { patient, doctor, nurse, conversation } = await careTeam();
    await sendHttp(server.url, doctor, conversation.id, 'Team note');
    const [nurseSocket, patientSocket, nurseChat] = await Promise.all([
      TestSocket.connect(`${server.wsUrl}/ws`, { token: nurse.token }),
      TestSocket.connect(`${server.wsUrl}/ws`, { token: patient.token }),
      TestSocket.connect(`${server.wsUrl}/ws/chat/${conversation.id}/`, { token: nurse.token }),
    ]);
    const removed = await request(
      server.url,
      'DELETE',
      `${participantsPath(conversation)}/${nurse.user.id}`,
      {
        token: doctor.token,
      },
    );
    expect(removed.status).toBe(204);
    const left = await patientSocket.next('user_left');
    expect(left).toEqual({ type: 'user_left', conversation_id: conversation.id, user_id: nurse.user.id });
    await nurseSocket.next('user_left', (f) => f.user_id === nurse.user.id);
    // Their socket for this one conversation is closed as it would now be refused (4403).
    await nurseChat.next('user_left');
    expect((await nurseChat.closed()).code).toBe(4403);

    for (const res of [
      await request(server.url, 'GET', `/api/conversations/${conversation.id}/messages`, {
        token: nurse.token,
      }),
      await request(server.url, 'GET', `/api/conversations/${conversation.id}`, { token: nurse.token }),
      await sendHttp(server.url, nurse, conversation.id, 'Still here?'),
    ]) {
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'not_participant' } } });
    }
    // Later messages do not reach the removed participant's devices.
    await sendHttp(server.url, doctor, conversation.id, 'After the nurse left');
    await patientSocket.next('chat_message', (f) => f.conversation_id === conversation.id);
    await nurseSocket.roundTrip();
    expect(nurseSocket.frames.filter((f) => f.type === 'chat_message')).toEqual([]);
    await Promise.all([nurseSocket.close(), patientSocket.close()]);
  });

  it('patients may not add, but remove anyone and leave; direct conversations do not change members', async () => {
    const { patient, doctor, nurse, outsider, conversation } = await careTeam();
    expect(
      await request(server.url, 'POST', participantsPath(conversation), {
        token: patient.token,
        body: { user_ids: [outsider.user.id] },
      }),
    ).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    // A patient decides who takes part in their care: they may remove a practitioner.
    expect(
      await request(server.url, 'DELETE', `${participantsPath(conversation)}/${nurse.user.id}`, {
        token: patient.token,
      }),
    ).toMatchObject({ status: 204 });
    // Adding a second patient breaks the care rule.
    expect(
      await request(server.url, 'POST', participantsPath(conversation), {
        token: doctor.token,
        body: { user_ids: [outsider.user.id] },
      }),
    ).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
    expect(
      await request(server.url, 'POST', participantsPath(conversation), {
        token: outsider.token,
        body: { user_ids: [outsider.user.id] },
      }),
    ).toMatchObject({ status: 403, body: { error: { code: 'not_participant' } } });

    expect(
      (
        await request(server.url, 'DELETE', `${participantsPath(conversation)}/${patient.user.id}`, {
          token: patient.token,
        })
      ).status,
    ).toBe(204);

    const direct = await request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
      token: doctor.token,
      body: { participant_ids: [nurse.user.id] },
    });
    expect(
      await request(server.url, 'POST', participantsPath(direct.body.conversation), {
        token: doctor.token,
        body: { user_ids: [outsider.user.id] },
      }),
    ).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });
});
