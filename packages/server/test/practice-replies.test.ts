import type { Appointment, PatientContext, ReplyExpectation, SavedReply } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { acceptedAppointment, putSchedule, signInAgain } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { createPractice, openPracticeConversation, startPracticeServer } from './helpers/practices.js';
import type { TestServer } from './helpers/server.js';

/** A Monday, 10:00 UTC (11:00 in Paris). */
const NOW = '2026-01-05T10:00:00.000Z';
const VISIT = { start: '2026-01-06T10:00:00.000Z', end: '2026-01-06T10:30:00.000Z' };
const NOTICE = 'In an emergency, call your local emergency number.';
/** Monday to Friday, 09:00–17:00 in Paris. */
const WEEKDAYS = [1, 2, 3, 4, 5].map((day_of_week) => ({
  day_of_week,
  start: '09:00',
  end: '17:00',
  timezone: 'Europe/Paris',
}));

/**
 * Issue 14, points 3 to 5: a patient who writes outside the team's hours is told when a reply can
 * be expected, once per absence; saved replies filled in for the patient; the patient's context
 * beside the conversation. Real server over HTTP, both stores.
 */
describe.each(DIALECTS)('reply expectations, saved replies and patient context on %s', (dialect) => {
  let server: TestServer;
  let admin: TestUser;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    ({ server, admin } = await startPracticeServer(dialect, clock));
  });
  afterAll(() => server.close());

  async function clinic() {
    clock.set(NOW);
    const [patient, doctor, nurse, stranger] = await Promise.all([
      registerUser(server.url, { name: 'Pat Ient' }),
      registerUser(server.url, { name: 'Dr. Nair', role: 'practitioner' }),
      registerUser(server.url, { name: 'Nurse Ode', role: 'practitioner' }),
      registerUser(server.url, { name: 'Dr. Outside', role: 'practitioner' }),
    ]);
    await acceptedAppointment(server.url, patient, doctor, VISIT.start, VISIT.end);
    await putSchedule(server.url, doctor, WEEKDAYS);
    const practice = await createPractice(
      server.url,
      admin,
      'Riverside Practice',
      [
        [doctor, 'practitioner'],
        [nurse, 'nurse'],
      ],
      NOTICE,
    );
    const conversation = (await openPracticeConversation(server.url, patient, practice.id)).body.conversation;
    return { patient, doctor, nurse, stranger, practice, conversation };
  }

  async function at(instant: string, ...users: TestUser[]) {
    clock.set(instant);
    await Promise.all(users.map((u) => signInAgain(server.url, u)));
  }

  const expectation = async (by: TestUser, conversationId: string) => {
    const res = await request<{ expectation: ReplyExpectation }>(
      server.url,
      'GET',
      `/api/conversations/${conversationId}/reply-expectation`,
      { token: by.token },
    );
    expect(res.status).toBe(200);
    return res.body.expectation;
  };

  it('a patient who writes outside hours is told the next opening and the notice, once for the whole absence', async () => {
    const { patient, nurse, conversation } = await clinic();
    // Inside hours: nothing to say.
    await sendHttp(server.url, patient, conversation.id, 'A question at 11:00');
    expect(await expectation(patient, conversation.id)).toMatchObject({ outside_hours: false, notice: null });
    await sendHttp(server.url, nurse, conversation.id, 'Answered');

    // Monday 23:00 in Paris: the next opening is Tuesday 09:00 Paris (08:00 UTC).
    await at('2026-01-05T22:00:00.000Z', patient, nurse);
    await sendHttp(server.url, patient, conversation.id, 'I feel worse tonight');
    const told = await expectation(patient, conversation.id);
    expect(told).toEqual({
      conversation_id: conversation.id,
      outside_hours: true,
      next_opening: '2026-01-06T08:00:00.000Z',
      notice: NOTICE,
    });
    // Writing again in the same absence does not repeat anything: the same single expectation.
    await at('2026-01-06T01:00:00.000Z', patient, nurse);
    await sendHttp(server.url, patient, conversation.id, 'Still awake');
    expect(await expectation(patient, conversation.id)).toEqual(told);
    // Staff see it as well.
    expect(await expectation(nurse, conversation.id)).toEqual(told);

    // The opening ends the absence; a reply too.
    await at('2026-01-06T08:30:00.000Z', patient, nurse);
    expect(await expectation(patient, conversation.id)).toMatchObject({ outside_hours: false });
    await at('2026-01-06T20:00:00.000Z', patient, nurse);
    await sendHttp(server.url, patient, conversation.id, 'Another evening');
    expect(await expectation(patient, conversation.id)).toMatchObject({
      outside_hours: true,
      next_opening: '2026-01-07T08:00:00.000Z',
    });
    await sendHttp(server.url, nurse, conversation.id, 'We are here early tomorrow');
    expect(await expectation(patient, conversation.id)).toMatchObject({ outside_hours: false });
    await at(NOW, patient, nurse);
  });

  it('someone outside the conversation gets no expectation', async () => {
    const { stranger, conversation } = await clinic();
    const res = await request(server.url, 'GET', `/api/conversations/${conversation.id}/reply-expectation`, {
      token: stranger.token,
    });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'not_participant' } } });
  });

  it('saved replies: members write them, they come filled in for the patient, bad input changes nothing', async () => {
    const { patient, doctor, nurse, stranger, practice, conversation } = await clinic();
    const path = `/api/practices/${practice.id}/saved-replies`;
    const created = await request<{ saved_reply: SavedReply }>(server.url, 'POST', path, {
      token: nurse.token,
      body: { title: 'Visit reminder', text: 'Hello {first_name}, see you {next_appointment}.' },
    });
    expect(created.status).toBe(201);
    expect(
      await request(server.url, 'POST', path, { token: nurse.token, body: { title: '', text: 'x' } }),
    ).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(
      await request(server.url, 'POST', path, { token: stranger.token, body: { title: 'Mine', text: 'x' } }),
    ).toMatchObject({ status: 404 });

    const filled = await request<{ saved_replies: SavedReply[] }>(
      server.url,
      'GET',
      `/api/practices/${practice.id}/conversations/${conversation.id}/saved-replies`,
      { token: doctor.token },
    );
    expect(filled.body.saved_replies).toEqual([
      expect.objectContaining({
        title: 'Visit reminder',
        text: 'Hello Pat, see you Tuesday 6 January at 11:00 (Europe/Paris).',
      }),
    ]);
    // The composer asks by conversation: filled in for a member, nothing for the patient.
    const forComposer = (by: TestUser) =>
      request<{ saved_replies: SavedReply[] }>(
        server.url,
        'GET',
        `/api/conversations/${conversation.id}/saved-replies`,
        { token: by.token },
      );
    expect((await forComposer(nurse)).body.saved_replies).toEqual(filled.body.saved_replies);
    expect((await forComposer(patient)).body.saved_replies).toEqual([]);
    const listed = await request<{ saved_replies: SavedReply[] }>(server.url, 'GET', path, {
      token: doctor.token,
    });
    expect(listed.body.saved_replies.map((r) => r.text)).toEqual([
      'Hello {first_name}, see you {next_appointment}.',
    ]);

    const id = created.body.saved_reply.id;
    expect((await request(server.url, 'DELETE', `${path}/${id}`, { token: stranger.token })).status).toBe(
      404,
    );
    expect((await request(server.url, 'DELETE', `${path}/${id}`, { token: doctor.token })).status).toBe(204);
    expect((await request(server.url, 'DELETE', `${path}/${id}`, { token: doctor.token })).status).toBe(404);
  });

  it('patient context: the relationship and the appointments with the team, for members only', async () => {
    const { patient, nurse, stranger, practice, conversation } = await clinic();
    const path = `/api/practices/${practice.id}/conversations/${conversation.id}/context`;
    const res = await request<{ context: PatientContext }>(server.url, 'GET', path, { token: nurse.token });
    expect(res.status).toBe(200);
    expect(res.body.context).toMatchObject({
      patient: { id: patient.user.id, name: 'Pat Ient' },
      relationship: { state: 'open', read_only_reason: null, open_until: '2026-01-09T10:30:00.000Z' },
      upcoming: [{ starts_at: VISIT.start, status: 'accepted', practitioner: { name: 'Dr. Nair' } }],
      past: [],
    });
    expect(await request(server.url, 'GET', path, { token: stranger.token })).toMatchObject({ status: 404 });
    expect(await request(server.url, 'GET', path, { token: patient.token })).toMatchObject({ status: 404 });
  });

  it('from beside the conversation a member books a visit for the patient with a practitioner of the team, and cancels it', async () => {
    const { patient, doctor, nurse, stranger, practice, conversation } = await clinic();
    const base = `/api/practices/${practice.id}/conversations/${conversation.id}/appointments`;
    const visit = { starts_at: '2026-01-07T09:00:00.000Z', ends_at: '2026-01-07T09:30:00.000Z' };
    const booked = await request<{ appointment: Appointment }>(server.url, 'POST', base, {
      token: nurse.token,
      body: { practitioner_id: doctor.user.id, ...visit },
    });
    expect(booked).toMatchObject({
      status: 201,
      body: {
        appointment: { status: 'accepted', patient_id: patient.user.id, practitioner_id: doctor.user.id },
      },
    });
    // The patient sees it among theirs.
    const theirs = await request<{ appointments: Appointment[] }>(server.url, 'GET', '/api/appointments', {
      token: patient.token,
    });
    expect(theirs.body.appointments.map((a) => a.id)).toContain(booked.body.appointment.id);

    // Not with a nurse, not with an outsider, not in the past, not by an outsider: nothing written.
    for (const [by, body, status] of [
      [nurse, { practitioner_id: nurse.user.id, ...visit }, 400],
      [nurse, { practitioner_id: stranger.user.id, ...visit }, 400],
      [
        nurse,
        {
          practitioner_id: doctor.user.id,
          starts_at: '2026-01-01T09:00:00Z',
          ends_at: '2026-01-01T09:30:00Z',
        },
        400,
      ],
      [nurse, { practitioner_id: doctor.user.id, starts_at: visit.ends_at, ends_at: visit.starts_at }, 400],
      [stranger, { practitioner_id: doctor.user.id, ...visit }, 404],
    ] as const) {
      expect((await request(server.url, 'POST', base, { token: by.token, body })).status).toBe(status);
    }
    const context = await request<{ context: PatientContext }>(
      server.url,
      'GET',
      `/api/practices/${practice.id}/conversations/${conversation.id}/context`,
      { token: doctor.token },
    );
    expect(context.body.context.upcoming.map((a) => a.starts_at)).toEqual([VISIT.start, visit.starts_at]);

    const cancel = (by: TestUser, id: string) =>
      request<{ appointment: Appointment }>(server.url, 'POST', `${base}/${id}/cancel`, { token: by.token });
    expect(await cancel(nurse, booked.body.appointment.id)).toMatchObject({
      status: 200,
      body: { appointment: { status: 'cancelled' } },
    });
    // Someone else's appointment is not the practice's to cancel.
    const other = await registerUser(server.url, { name: 'Other Patient' });
    const elsewhere = await request<{ appointment: Appointment }>(server.url, 'POST', '/api/appointments', {
      token: other.token,
      body: { practitioner_id: doctor.user.id, ...visit },
    });
    expect((await cancel(nurse, elsewhere.body.appointment.id)).status).toBe(404);
    expect((await cancel(stranger, booked.body.appointment.id)).status).toBe(404);
  });
});
