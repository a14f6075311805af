import type { Conversation } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { acceptedAppointment, listConversations, signInAgain } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { createAdmin, TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/** A Monday, 10:00 UTC. */
const NOW = '2026-01-05T10:00:00.000Z';
/** Tomorrow's visit; with the 72-hour window the relationship holds until 2026-01-09T10:30Z. */
const VISIT = { start: '2026-01-06T10:00:00.000Z', end: '2026-01-06T10:30:00.000Z' };
const HOLD_END = '2026-01-09T10:30:00.000Z';

/**
 * Issue 12, point 1: every practitioner who talks with a patient needs a relationship of their own
 * with that patient, or was added by a practitioner who has one (the care team), or by an admin; a
 * patient removes anyone and blocks practitioners. Real server, HTTP and WebSocket clients.
 */
describe.each(DIALECTS)('care teams and blocks on %s', (dialect) => {
  let server: TestServer;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock,
      env: {
        MESSAGING_POLICY: 'appointment',
        CONSULTATION_WINDOW_HOURS: '72',
        SERVER_API_KEY: TEST_SERVER_API_KEY,
      },
    });
  });
  afterAll(() => server.close());

  /** A patient and their doctor (accepted appointment tomorrow), a colleague and a stranger. */
  async function people() {
    clock.set(NOW);
    const [patient, doctor, nurse, stranger] = await Promise.all([
      registerUser(server.url, { name: 'Care Patient' }),
      registerUser(server.url, { name: 'Dr. Linked', role: 'practitioner' }),
      registerUser(server.url, { name: 'Nurse Colleague', role: 'practitioner' }),
      registerUser(server.url, { name: 'Dr. Stranger', role: 'practitioner' }),
    ]);
    await acceptedAppointment(server.url, patient, doctor, VISIT.start, VISIT.end);
    return { patient, doctor, nurse, stranger };
  }

  const openGroup = (by: TestUser, ...others: TestUser[]) =>
    request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
      token: by.token,
      body: { participant_ids: others.map((o) => o.user.id) },
    });
  const participants = (c: Conversation) => `/api/conversations/${c.id}/participants`;

  async function refusedOverWs(by: TestUser, conversationId: string): Promise<string> {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws/chat/${conversationId}/`, {
      token: by.token,
    });
    socket.send({ type: 'chat_message', content: 'Over the socket', client_msg_id: 'ws-1' });
    const error = await socket.next('error', (f) => f.ref === 'ws-1');
    await socket.close();
    return String(error.code);
  }

  it('a practitioner with no relationship cannot open a group with a patient and their doctor', async () => {
    const { patient, doctor, stranger } = await people();
    const res = await openGroup(stranger, patient, doctor);
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
    // Not by naming the doctor first either, nor with the patient alone.
    expect(await openGroup(stranger, doctor, patient)).toMatchObject({ status: 403 });
    expect(await openGroup(stranger, patient)).toMatchObject({ status: 403 });
    // The patient did not receive a conversation with the stranger.
    const theirs = await listConversations(server.url, patient);
    expect(theirs.filter((c) => c.participants.some((p) => p.user.id === stranger.user.id))).toEqual([]);
  });

  it('a practitioner the linked doctor adds holds while the doctor’s relationship holds, even after the doctor leaves', async () => {
    const { patient, doctor, nurse } = await people();
    const created = await openGroup(doctor, patient, nurse);
    expect(created.status).toBe(201);
    const group = created.body.conversation;
    expect(group).toMatchObject({ state: 'open', open_until: HOLD_END });
    expect((await sendHttp(server.url, nurse, group.id, 'From the nurse')).status).toBe(201);

    // The patient removes the doctor: the nurse was added by a practitioner whose relationship holds.
    const removed = await request(server.url, 'DELETE', `${participants(group)}/${doctor.user.id}`, {
      token: patient.token,
    });
    expect(removed.status).toBe(204);
    expect((await sendHttp(server.url, nurse, group.id, 'Still here')).status).toBe(201);

    // Past the doctor's window, the nurse's access ends with it, on every door.
    clock.set('2026-01-09T11:00:00.000Z');
    await Promise.all([signInAgain(server.url, nurse), signInAgain(server.url, patient)]);
    expect(await sendHttp(server.url, nurse, group.id, 'Too late')).toMatchObject({
      status: 403,
      body: { error: { code: 'consultation_expired' } },
    });
    expect(await refusedOverWs(nurse, group.id)).toBe('consultation_expired');
    const [listed] = (await listConversations(server.url, patient)).filter((c) => c.id === group.id);
    expect(listed).toMatchObject({
      state: 'read_only',
      read_only_reason: 'consultation_expired',
      open_until: null,
    });
  });

  it('a practitioner added by someone without a relationship is refused', async () => {
    const { patient, doctor, nurse, stranger } = await people();
    const group = (await openGroup(doctor, patient, nurse)).body.conversation;
    // The nurse holds only through the doctor: she cannot vouch for another practitioner.
    const added = await request(server.url, 'POST', participants(group), {
      token: nurse.token,
      body: { user_ids: [stranger.user.id] },
    });
    expect(added).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
    // The doctor can.
    const byDoctor = await request<{ conversation: Conversation }>(server.url, 'POST', participants(group), {
      token: doctor.token,
      body: { user_ids: [stranger.user.id] },
    });
    expect(byDoctor.status).toBe(200);
    expect((await sendHttp(server.url, stranger, group.id, 'Joining the team')).status).toBe(201);
  });

  it('a colleague in a group without a patient cannot bring in someone else’s patient', async () => {
    const { patient, doctor, nurse, stranger } = await people();
    const colleagues = (await openGroup(doctor, stranger, nurse)).body.conversation;
    expect(colleagues.kind).toBe('group');
    // Being in a group with the patient's doctor vouches for nothing.
    const byStranger = await request(server.url, 'POST', participants(colleagues), {
      token: stranger.token,
      body: { user_ids: [patient.user.id] },
    });
    expect(byStranger).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
    // The doctor may bring their patient to a colleague: then the doctor vouches for the colleague.
    const byDoctor = await request(server.url, 'POST', participants(colleagues), {
      token: doctor.token,
      body: { user_ids: [patient.user.id] },
    });
    expect(byDoctor.status).toBe(200);
    expect((await sendHttp(server.url, stranger, colleagues.id, 'Hello from the team')).status).toBe(201);
  });

  it('a practitioner an admin adds holds without a relationship of their own', async () => {
    const { patient, doctor, stranger } = await people();
    const admin = await createAdmin(server.url);
    const created = await openGroup(admin, patient, stranger);
    expect(created.status).toBe(201);
    const group = created.body.conversation;
    expect((await sendHttp(server.url, stranger, group.id, 'Hello from the team')).status).toBe(201);
    expect((await sendHttp(server.url, patient, group.id, 'Hello')).status).toBe(201);
    // An admin adding the doctor later changes nothing for either.
    const added = await request(server.url, 'POST', participants(group), {
      token: admin.token,
      body: { user_ids: [doctor.user.id] },
    });
    expect(added.status).toBe(200);
    expect((await sendHttp(server.url, stranger, group.id, 'Still fine')).status).toBe(201);
  });

  it('a patient blocks a practitioner: no messages, no new conversations, until unblocked', async () => {
    const { patient, doctor, nurse } = await people();
    const group = (await openGroup(doctor, patient, nurse)).body.conversation;
    const direct = (await openGroup(doctor, patient)).body.conversation;
    expect((await sendHttp(server.url, doctor, direct.id, 'Before the block')).status).toBe(201);
    const doctorLive = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    await doctorLive.roundTrip();

    const blocked = await request(server.url, 'PUT', `/api/blocks/${doctor.user.id}`, {
      token: patient.token,
    });
    expect(blocked).toMatchObject({ status: 200, body: { block: { user_id: doctor.user.id } } });
    const listed = await request<{ blocks: unknown[] }>(server.url, 'GET', '/api/blocks', {
      token: patient.token,
    });
    expect(listed.body.blocks).toEqual([{ user_id: doctor.user.id, created_at: NOW }]);

    expect(await sendHttp(server.url, doctor, direct.id, 'After the block')).toMatchObject({
      status: 403,
      body: { error: { code: 'blocked' } },
    });
    // Every conversation the two share tells its participants' devices at once.
    await doctorLive.waitForCount('conversation_state', 2);
    const heard = doctorLive.all('conversation_state');
    expect(heard.map((f) => f.conversation_id).sort()).toEqual([direct.id, group.id].sort());
    for (const frame of heard) {
      expect(frame).toMatchObject({ state: 'read_only', read_only_reason: 'blocked', open_until: null });
    }
    expect(await refusedOverWs(doctor, direct.id)).toBe('blocked');
    expect(await sendHttp(server.url, nurse, group.id, 'Nurse here')).toMatchObject({
      status: 403,
      body: { error: { code: 'blocked' } },
    });
    const byId = new Map((await listConversations(server.url, patient)).map((c) => [c.id, c]));
    expect(byId.get(direct.id)).toMatchObject({ state: 'read_only', read_only_reason: 'blocked' });
    // No new conversation with the patient either.
    expect(await openGroup(doctor, patient, nurse)).toMatchObject({
      status: 403,
      body: { error: { code: 'blocked' } },
    });

    // The patient removes the blocked doctor from the group: the rest of the team goes on.
    await request(server.url, 'DELETE', `${participants(group)}/${doctor.user.id}`, { token: patient.token });
    expect((await sendHttp(server.url, nurse, group.id, 'Nurse again')).status).toBe(201);

    const unblocked = await request(server.url, 'DELETE', `/api/blocks/${doctor.user.id}`, {
      token: patient.token,
    });
    expect(unblocked.status).toBe(204);
    // The group the patient left the doctor out of is not theirs to hear about any more.
    await doctorLive.waitForCount('conversation_state', 3);
    expect(doctorLive.all('conversation_state')[2]).toMatchObject({
      conversation_id: direct.id,
      state: 'open',
      read_only_reason: null,
    });
    await doctorLive.close();
    expect((await sendHttp(server.url, doctor, direct.id, 'After the unblock')).status).toBe(201);
  });

  it('only patients block, and only practitioners; bad ids are typed 4xx', async () => {
    const { patient, doctor } = await people();
    const other = await registerUser(server.url);
    expect(
      await request(server.url, 'PUT', `/api/blocks/${patient.user.id}`, { token: doctor.token }),
    ).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(
      await request(server.url, 'PUT', `/api/blocks/${other.user.id}`, { token: patient.token }),
    ).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(
      await request(server.url, 'PUT', `/api/blocks/${'x'.repeat(65)}`, { token: patient.token }),
    ).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await request(server.url, 'GET', '/api/blocks')).toMatchObject({ status: 401 });
  });
});
