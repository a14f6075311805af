import type { Conversation } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { acceptedAppointment, listConversations, signInAgain } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import {
  assign,
  createPractice,
  inbox,
  openPracticeConversation,
  startPracticeServer,
} from './helpers/practices.js';
import type { TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/** A Monday, 10:00 UTC. */
const NOW = '2026-01-05T10:00:00.000Z';
const VISIT = { start: '2026-01-06T10:00:00.000Z', end: '2026-01-06T10:30:00.000Z' };
/** With the 72-hour window the doctor's relationship holds until 2026-01-09T10:30Z. */
const HOLD_END = '2026-01-09T10:30:00.000Z';

/**
 * Issue 14, points 1 and 2: a practice (admin-managed) takes part in its patients' conversations,
 * every member sees them in the team inbox, access follows the care relationship, and triage
 * (assignee, waiting time, filters) is shared live. Real server, HTTP and WebSocket clients.
 */
describe.each(DIALECTS)('practices and the team inbox on %s', (dialect) => {
  let server: TestServer;
  let admin: TestUser;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    ({ server, admin } = await startPracticeServer(dialect, clock));
  });
  afterAll(() => server.close());

  /** A practice of a doctor (who has a patient), a nurse and the front desk; an outside practitioner and patient. */
  async function clinic() {
    clock.set(NOW);
    await signInAgain(server.url, admin).catch(() => {});
    const [patient, doctor, nurse, desk, stranger, otherPatient] = await Promise.all([
      registerUser(server.url, { name: 'Pat Ient' }),
      registerUser(server.url, { name: 'Dr. Nair', role: 'practitioner' }),
      registerUser(server.url, { name: 'Nurse Ode', role: 'practitioner' }),
      registerUser(server.url, { name: 'Front Desk', role: 'practitioner' }),
      registerUser(server.url, { name: 'Dr. Outside', role: 'practitioner' }),
      registerUser(server.url, { name: 'Other Patient' }),
    ]);
    await acceptedAppointment(server.url, patient, doctor, VISIT.start, VISIT.end);
    const practice = await createPractice(server.url, admin, 'Riverside Practice', [
      [doctor, 'practitioner'],
      [nurse, 'nurse'],
      [desk, 'front_desk'],
    ]);
    return { patient, doctor, nurse, desk, stranger, otherPatient, practice };
  }

  it('only an admin creates a practice and manages its members; bad input changes nothing', async () => {
    const { doctor, nurse, patient, practice } = await clinic();
    // Added together, at one moment of the test's clock: listed by user id after that, and the
    // three users were registered at once, so their ids come in no set order.
    expect(practice.members.map((m) => [m.user.name, m.role]).sort()).toEqual([
      ['Dr. Nair', 'practitioner'],
      ['Front Desk', 'front_desk'],
      ['Nurse Ode', 'nurse'],
    ]);
    const byDoctor = await request(server.url, 'POST', '/api/practices', {
      token: doctor.token,
      body: { name: 'Mine' },
    });
    expect(byDoctor).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const badRole = await request(
      server.url,
      'PUT',
      `/api/practices/${practice.id}/members/${nurse.user.id}`,
      {
        token: admin.token,
        body: { role: 'janitor' },
      },
    );
    expect(badRole).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const aPatient = await request(
      server.url,
      'PUT',
      `/api/practices/${practice.id}/members/${patient.user.id}`,
      {
        token: admin.token,
        body: { role: 'nurse' },
      },
    );
    expect(aPatient).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const emptyName = await request(server.url, 'POST', '/api/practices', {
      token: admin.token,
      body: { name: '  ' },
    });
    expect(emptyName.status).toBe(400);
    // Members see their practice; others do not find it.
    const mine = await request<{ practices: Array<{ id: string }> }>(server.url, 'GET', '/api/practices', {
      token: nurse.token,
    });
    expect(mine.body.practices.map((p) => p.id)).toEqual([practice.id]);
    const theirs = await request(server.url, 'GET', `/api/practices/${practice.id}`, {
      token: patient.token,
    });
    expect(theirs).toMatchObject({ status: 404 });
    const unchanged = await request<{ practice: typeof practice }>(
      server.url,
      'GET',
      `/api/practices/${practice.id}`,
      {
        token: nurse.token,
      },
    );
    expect(unchanged.body.practice.members).toHaveLength(3);
  });

  it('the team’s patient writes to the practice and every member sees it in the team inbox', async () => {
    const { patient, doctor, nurse, desk, practice } = await clinic();
    // The patient finds the practices they are a patient of.
    const found = await request<{ practices: Array<{ id: string }> }>(server.url, 'GET', '/api/practices', {
      token: patient.token,
    });
    expect(found.body.practices.map((p) => p.id)).toContain(practice.id);
    const opened = await openPracticeConversation(server.url, patient, practice.id);
    expect(opened.status).toBe(201);
    const conversation = opened.body.conversation;
    expect(conversation).toMatchObject({
      kind: 'group',
      state: 'open',
      open_until: HOLD_END,
      practice: { id: practice.id, name: 'Riverside Practice', patient_id: patient.user.id },
    });
    // The team sees which practice it is in their own list too; other conversations name none.
    const doctorsList = await listConversations(server.url, doctor);
    expect(doctorsList.find((c) => c.id === conversation.id)?.practice?.id).toBe(practice.id);
    expect(doctorsList.filter((c) => c.id !== conversation.id).every((c) => c.practice === undefined)).toBe(
      true,
    );
    // Asking again finds the same one.
    const again = await openPracticeConversation(server.url, patient, practice.id);
    expect(again).toMatchObject({ status: 200, body: { conversation: { id: conversation.id } } });

    const deskSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: desk.token });
    expect((await sendHttp(server.url, patient, conversation.id, 'My prescription ran out')).status).toBe(
      201,
    );
    // Delivery follows the participant list: the front desk hears it live.
    await deskSocket.next('chat_message', (f) => f.conversation_id === conversation.id);
    await deskSocket.close();

    for (const member of [doctor, nurse, desk]) {
      const items = await inbox(server.url, member, practice.id);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        patient: { id: patient.user.id },
        assignee: null,
        needs_reply: true,
        waiting_since: NOW,
        conversation: { id: conversation.id, unread_count: 1 },
      });
    }
    // The nurse holds through the practice and answers; the patient no longer waits.
    expect((await sendHttp(server.url, nurse, conversation.id, 'We will renew it today')).status).toBe(201);
    const [answered] = await inbox(server.url, doctor, practice.id);
    expect(answered).toMatchObject({ needs_reply: false, waiting_since: null });
    expect(await inbox(server.url, doctor, practice.id, 'needs_reply')).toEqual([]);
  });

  it('a patient with no relationship to any member cannot write to the practice, and outsiders see no inbox', async () => {
    const { otherPatient, stranger, practice, doctor } = await clinic();
    const found = await request<{ practices: Array<{ id: string }> }>(server.url, 'GET', '/api/practices', {
      token: otherPatient.token,
    });
    expect(found.body.practices).toEqual([]);
    const refused = await openPracticeConversation(server.url, otherPatient, practice.id);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
    // Nor can a member open one for someone who is not the team's patient.
    const forStranger = await openPracticeConversation(server.url, doctor, practice.id, otherPatient.user.id);
    expect(forStranger).toMatchObject({ status: 403, body: { error: { code: 'no_care_relationship' } } });
    const outsider = await request(server.url, 'GET', `/api/practices/${practice.id}/inbox`, {
      token: stranger.token,
    });
    expect(outsider).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const badFilter = await request(
      server.url,
      'GET',
      `/api/practices/${practice.id}/inbox?filter=everything`,
      {
        token: doctor.token,
      },
    );
    expect(badFilter).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await inbox(server.url, doctor, practice.id)).toEqual([]);
  });

  it('when the relationship ends the conversation leaves the inbox and members can no longer write', async () => {
    const { patient, nurse, practice } = await clinic();
    const conversation = (await openPracticeConversation(server.url, patient, practice.id)).body.conversation;
    await sendHttp(server.url, patient, conversation.id, 'Before the end');
    clock.set('2026-01-09T11:00:00.000Z');
    await Promise.all([signInAgain(server.url, nurse), signInAgain(server.url, patient)]);
    expect(await sendHttp(server.url, nurse, conversation.id, 'Too late')).toMatchObject({
      status: 403,
      body: { error: { code: 'consultation_expired' } },
    });
    expect(await inbox(server.url, nurse, practice.id)).toEqual([]);
    clock.set(NOW);
    await Promise.all([signInAgain(server.url, nurse), signInAgain(server.url, patient)]);
  });

  it('a new member joins the practice’s conversations; a member who leaves loses them and their assignments', async () => {
    const { patient, doctor, nurse, stranger, practice } = await clinic();
    const conversation = (await openPracticeConversation(server.url, patient, practice.id)).body.conversation;
    expect((await assign(server.url, doctor, practice.id, conversation.id, nurse.user.id)).status).toBe(200);

    const joined = await request(
      server.url,
      'PUT',
      `/api/practices/${practice.id}/members/${stranger.user.id}`,
      {
        token: admin.token,
        body: { role: 'practitioner' },
      },
    );
    expect(joined.status).toBe(200);
    expect((await inbox(server.url, stranger, practice.id)).map((i) => i.conversation.id)).toEqual([
      conversation.id,
    ]);
    expect(
      (await sendHttp(server.url, stranger, conversation.id, 'Hello from the new colleague')).status,
    ).toBe(201);

    const removed = await request(
      server.url,
      'DELETE',
      `/api/practices/${practice.id}/members/${nurse.user.id}`,
      {
        token: admin.token,
      },
    );
    expect(removed.status).toBe(204);
    expect(await sendHttp(server.url, nurse, conversation.id, 'Gone')).toMatchObject({
      status: 403,
      body: { error: { code: 'not_participant' } },
    });
    const theirs = await listConversations(server.url, nurse);
    expect(theirs.filter((c: Conversation) => c.id === conversation.id)).toEqual([]);
    const [item] = await inbox(server.url, doctor, practice.id);
    expect(item?.assignee).toBeNull();
  });

  it('triage: assign and reassign, filters, and every member hears the assignment live', async () => {
    const { patient, doctor, nurse, desk, practice } = await clinic();
    const conversation = (await openPracticeConversation(server.url, patient, practice.id)).body.conversation;
    clock.set('2026-01-05T10:05:00.000Z');
    await sendHttp(server.url, patient, conversation.id, 'Can someone call me back?');

    expect((await inbox(server.url, desk, practice.id, 'unassigned')).map((i) => i.conversation.id)).toEqual([
      conversation.id,
    ]);
    expect(await inbox(server.url, nurse, practice.id, 'assigned_to_me')).toEqual([]);
    expect((await inbox(server.url, nurse, practice.id, 'unread')).length).toBe(1);

    const nurseSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: nurse.token });
    const assigned = await assign(server.url, desk, practice.id, conversation.id, nurse.user.id);
    expect(assigned).toMatchObject({
      status: 200,
      body: {
        item: {
          assignee: { id: nurse.user.id, name: 'Nurse Ode' },
          waiting_since: '2026-01-05T10:05:00.000Z',
        },
      },
    });
    const heard = await nurseSocket.next('triage_changed', (f) => f.conversation_id === conversation.id);
    expect(heard).toMatchObject({ practice_id: practice.id, assignee_id: nurse.user.id });
    expect((await inbox(server.url, nurse, practice.id, 'assigned_to_me')).length).toBe(1);
    expect(await inbox(server.url, nurse, practice.id, 'unassigned')).toEqual([]);

    // Reassigned to the doctor, then to no one.
    expect(
      (await assign(server.url, nurse, practice.id, conversation.id, doctor.user.id)).body.item.assignee?.id,
    ).toBe(doctor.user.id);
    await nurseSocket.next('triage_changed', (f) => f.assignee_id === doctor.user.id);
    expect(
      (await assign(server.url, doctor, practice.id, conversation.id, null)).body.item.assignee,
    ).toBeNull();
    await nurseSocket.close();

    // Only members are assignees, only members assign; the patient is told nothing of triage.
    const toPatient = await assign(server.url, doctor, practice.id, conversation.id, patient.user.id);
    expect(toPatient).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const byPatient = await assign(server.url, patient, practice.id, conversation.id, doctor.user.id);
    expect(byPatient).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const [item] = await inbox(server.url, doctor, practice.id);
    expect(item?.assignee).toBeNull();
    clock.set(NOW);
  });

  it('two members with the same conversation open see each other viewing and replying; the patient sees only typing', async () => {
    const { patient, doctor, nurse, practice } = await clinic();
    const conversation = (await openPracticeConversation(server.url, patient, practice.id)).body.conversation;
    const connect = (u: TestUser) => TestSocket.connect(`${server.wsUrl}/ws`, { token: u.token });
    const [doctorSocket, nurseSocket, patientSocket] = await Promise.all([
      connect(doctor),
      connect(nurse),
      connect(patient),
    ]);
    nurseSocket.send({ type: 'viewing', conversation_id: conversation.id, is_viewing: true });
    doctorSocket.send({ type: 'viewing', conversation_id: conversation.id, is_viewing: true });
    const nurseViewing = await doctorSocket.next('viewing_indicator', (f) => f.user_id === nurse.user.id);
    expect(nurseViewing).toMatchObject({
      conversation_id: conversation.id,
      username: 'Nurse Ode',
      is_viewing: true,
    });
    await nurseSocket.next('viewing_indicator', (f) => f.user_id === doctor.user.id && f.is_viewing);

    nurseSocket.send({ type: 'typing_indicator', conversation_id: conversation.id, is_typing: true });
    await doctorSocket.next('typing_indicator', (f) => f.user_id === nurse.user.id && f.is_typing);
    await patientSocket.next('typing_indicator', (f) => f.user_id === nurse.user.id && f.is_typing);
    // The patient heard the typing that came after both viewings, and no viewing at all.
    expect(patientSocket.frames.filter((f) => f.type === 'viewing_indicator')).toEqual([]);

    // Closing the conversation (or the connection) takes the indicator down at once.
    nurseSocket.send({ type: 'viewing', conversation_id: conversation.id, is_viewing: false });
    await doctorSocket.next('viewing_indicator', (f) => f.user_id === nurse.user.id && !f.is_viewing);
    await doctorSocket.close();
    await nurseSocket.next('viewing_indicator', (f) => f.user_id === doctor.user.id && !f.is_viewing);
    // Not a participant: refused with the usual code, nothing sent.
    const outsider = await TestSocket.connect(`${server.wsUrl}/ws`, {
      token: (await clinic()).stranger.token,
    });
    outsider.send({ type: 'viewing', conversation_id: conversation.id, is_viewing: true });
    expect((await outsider.next('error')).code).toBe('not_participant');
    await Promise.all([nurseSocket.close(), patientSocket.close(), outsider.close()]);
  });
});
