import type { Appointment, Schedule } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { acceptedAppointment, moveAppointment, requestAppointment } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, request, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

const NOW = '2026-01-05T10:00:00.000Z';
const SLOT = { start: '2026-01-07T14:00:00.000Z', end: '2026-01-07T14:30:00.000Z' };
/** Under way at NOW: started, not over. */
const UNDER_WAY = { start: '2026-01-05T09:45:00.000Z', end: '2026-01-05T10:30:00.000Z' };

describe.each(DIALECTS)('appointments and schedules on %s', (dialect) => {
  let server: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  let stranger: TestUser;

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock: new ManualClock(NOW),
      env: { MESSAGING_POLICY: 'appointment', CONSULTATION_WINDOW_HOURS: '48' },
    });
    [doctor, patient, stranger] = await Promise.all([
      registerUser(server.url, { name: 'Dr. Lane', role: 'practitioner' }),
      registerUser(server.url, { name: 'Robin' }),
      registerUser(server.url, { name: 'Stranger' }),
    ]);
  });
  afterAll(() => server.close());

  it('a patient requests; the practitioner sees it live and accepts; a consultation opens', async () => {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    const requested = await requestAppointment(
      server.url,
      patient,
      doctor,
      '2026-01-07T14:00:00+01:00',
      SLOT.end,
    );
    expect(requested).toMatchObject({
      patient_id: patient.user.id,
      practitioner_id: doctor.user.id,
      status: 'requested',
      starts_at: '2026-01-07T13:00:00.000Z',
      consultation: null,
      patient: { id: patient.user.id, name: 'Robin' },
      practitioner: { id: doctor.user.id, name: 'Dr. Lane' },
    });
    // The patient's email is not the practitioner's to see.
    const live = await socket.next('appointment_updated', (f) => f.appointment.id === requested.id);
    expect(live.appointment.patient.email).toBeUndefined();
    expect(live.appointment.status).toBe('requested');

    const accepted = await moveAppointment(server.url, doctor, requested.id, 'accept');
    expect(accepted.status).toBe(200);
    expect(accepted.body.appointment).toMatchObject({
      status: 'accepted',
      consultation: { is_active: true, expires_at: '2026-01-09T14:30:00.000Z', patient_id: patient.user.id },
    });
    // Accepting twice is answered with the same state.
    const again = await moveAppointment(server.url, doctor, requested.id, 'accept');
    expect(again.body.appointment.consultation?.id).toBe(accepted.body.appointment.consultation?.id);
    await socket.close();
  });

  it('only the right party may act: the patient cannot accept; an outsider cannot even see it', async () => {
    const requested = await requestAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
    expect(await moveAppointment(server.url, patient, requested.id, 'accept')).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect(await moveAppointment(server.url, patient, requested.id, 'decline')).toMatchObject({
      status: 403,
    });
    for (const move of ['accept', 'decline', 'cancel'] as const) {
      expect(await moveAppointment(server.url, stranger, requested.id, move)).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      });
    }
    expect(await moveAppointment(server.url, doctor, 'apt_missing', 'accept')).toMatchObject({ status: 404 });
  });

  it('either party may cancel; a cancelled or declined appointment cannot be accepted', async () => {
    const a = await requestAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
    expect((await moveAppointment(server.url, patient, a.id, 'cancel')).body.appointment.status).toBe(
      'cancelled',
    );
    expect(await moveAppointment(server.url, doctor, a.id, 'accept')).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict' } },
    });
    const b = await acceptedAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
    const cancelled = await moveAppointment(server.url, doctor, b.id, 'cancel');
    expect(cancelled.body.appointment).toMatchObject({
      status: 'cancelled',
      consultation: { is_active: false },
    });
    const c = await requestAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
    await moveAppointment(server.url, doctor, c.id, 'decline');
    expect(await moveAppointment(server.url, doctor, c.id, 'accept')).toMatchObject({ status: 409 });
    expect(await moveAppointment(server.url, doctor, c.id, 'cancel')).toMatchObject({ status: 409 });
    expect(await moveAppointment(server.url, doctor, c.id, 'complete')).toMatchObject({ status: 409 });
  });

  it('an appointment cannot be completed before it starts', async () => {
    const ahead = await acceptedAppointment(server.url, patient, doctor, SLOT.start, SLOT.end);
    expect(await moveAppointment(server.url, doctor, ahead.id, 'complete')).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict' } },
    });
    const list = await request<{ appointments: Appointment[] }>(server.url, 'GET', '/api/appointments', {
      token: doctor.token,
    });
    expect(list.body.appointments.find((x) => x.id === ahead.id)?.status).toBe('accepted');
  });

  it('the practitioner completes an accepted appointment; the consultation stays open until it expires', async () => {
    const a = await acceptedAppointment(server.url, patient, doctor, UNDER_WAY.start, UNDER_WAY.end);
    expect(await moveAppointment(server.url, patient, a.id, 'complete')).toMatchObject({ status: 403 });
    const completed = await moveAppointment(server.url, doctor, a.id, 'complete');
    expect(completed.body.appointment).toMatchObject({
      status: 'completed',
      consultation: { id: a.consultation?.id, is_active: true, expires_at: a.consultation?.expires_at },
    });
    expect(await moveAppointment(server.url, patient, a.id, 'cancel')).toMatchObject({ status: 409 });
  });

  it('refuses bad requests and changes nothing', async () => {
    const post = (token: string, body: unknown) =>
      request(server.url, 'POST', '/api/appointments', { token, body });
    const before = await request<{ appointments: Appointment[] }>(server.url, 'GET', '/api/appointments', {
      token: stranger.token,
    });
    const cases: Array<[string, unknown, number, string]> = [
      [
        stranger.token,
        { practitioner_id: doctor.user.id, starts_at: SLOT.end, ends_at: SLOT.start },
        400,
        'invalid_request',
      ],
      [
        stranger.token,
        { practitioner_id: doctor.user.id, starts_at: 'tomorrow', ends_at: SLOT.end },
        400,
        'invalid_request',
      ],
      [
        stranger.token,
        {
          practitioner_id: doctor.user.id,
          starts_at: '2026-01-01T09:00:00Z',
          ends_at: '2026-01-01T10:00:00Z',
        },
        400,
        'invalid_request',
      ],
      [
        stranger.token,
        { practitioner_id: patient.user.id, starts_at: SLOT.start, ends_at: SLOT.end },
        404,
        'not_found',
      ],
      [
        doctor.token,
        { practitioner_id: doctor.user.id, starts_at: SLOT.start, ends_at: SLOT.end },
        403,
        'forbidden',
      ],
    ];
    for (const [token, body, status, code] of cases) {
      expect(await post(token, body)).toMatchObject({ status, body: { error: { code } } });
    }
    const after = await request<{ appointments: Appointment[] }>(server.url, 'GET', '/api/appointments', {
      token: stranger.token,
    });
    expect(after.body.appointments).toEqual(before.body.appointments);
    expect(await request(server.url, 'GET', '/api/appointments')).toMatchObject({ status: 401 });
  });

  it('lists the caller’s appointments, either side, filterable by status', async () => {
    const [dr, pt] = await Promise.all([
      registerUser(server.url, { role: 'practitioner' }),
      registerUser(server.url),
    ]);
    const first = await acceptedAppointment(server.url, pt, dr, SLOT.start, SLOT.end);
    const second = await requestAppointment(
      server.url,
      pt,
      dr,
      '2026-01-06T09:00:00Z',
      '2026-01-06T09:30:00Z',
    );
    for (const who of [dr, pt]) {
      const all = await request<{ appointments: Appointment[] }>(server.url, 'GET', '/api/appointments', {
        token: who.token,
      });
      expect(all.body.appointments.map((a) => a.id)).toEqual([second.id, first.id]);
    }
    const accepted = await request<{ appointments: Appointment[] }>(
      server.url,
      'GET',
      '/api/appointments?status=accepted',
      { token: pt.token },
    );
    expect(accepted.body.appointments.map((a) => a.id)).toEqual([first.id]);
    expect(
      await request(server.url, 'GET', '/api/appointments?status=lost', { token: pt.token }),
    ).toMatchObject({ status: 400 });
  });

  it('schedules: the practitioner writes, anyone signed in reads, bad windows are refused', async () => {
    const path = `/api/practitioners/${doctor.user.id}/schedule`;
    const windows = [
      { day_of_week: 1, start: '09:00', end: '12:00', timezone: 'Europe/Paris' },
      { day_of_week: 3, start: '13:30', end: '24:00', timezone: 'America/New_York' },
    ];
    const put = await request<{ schedule: Schedule }>(server.url, 'PUT', path, {
      token: doctor.token,
      body: { windows },
    });
    expect(put.status).toBe(200);
    expect(put.body.schedule).toEqual({ practitioner_id: doctor.user.id, windows });
    const read = await request<{ schedule: Schedule }>(server.url, 'GET', path, { token: patient.token });
    expect(read.body.schedule.windows).toEqual(windows);

    expect(
      await request(server.url, 'PUT', path, { token: patient.token, body: { windows: [] } }),
    ).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    const bad = [
      { day_of_week: 7, start: '09:00', end: '10:00', timezone: 'UTC' },
      { day_of_week: 1, start: '10:00', end: '09:00', timezone: 'UTC' },
      { day_of_week: 1, start: '9:00', end: '10:00', timezone: 'UTC' },
      { day_of_week: 1, start: '09:00', end: '10:00', timezone: 'Mars/Olympus' },
    ];
    for (const window of bad) {
      expect(
        await request(server.url, 'PUT', path, { token: doctor.token, body: { windows: [window] } }),
      ).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    }
    const unchanged = await request<{ schedule: Schedule }>(server.url, 'GET', path, { token: doctor.token });
    expect(unchanged.body.schedule.windows).toEqual(windows);
    expect(
      await request(server.url, 'GET', `/api/practitioners/${patient.user.id}/schedule`, {
        token: doctor.token,
      }),
    ).toMatchObject({ status: 404 });
  });
});
