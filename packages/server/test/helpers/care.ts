import type { Appointment, AuthResponse, Conversation, ScheduleWindow } from '@carechat/protocol';
import { type HttpResult, request, type TestUser } from './http.js';

/** HTTP helpers for the care-relationship suites. */

export async function requestAppointment(
  baseUrl: string,
  patient: TestUser,
  practitioner: TestUser,
  startsAt: string,
  endsAt: string,
): Promise<Appointment> {
  const res = await request<{ appointment: Appointment }>(baseUrl, 'POST', '/api/appointments', {
    token: patient.token,
    body: { practitioner_id: practitioner.user.id, starts_at: startsAt, ends_at: endsAt },
  });
  if (res.status !== 201) throw new Error(`request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.appointment;
}

export function moveAppointment(
  baseUrl: string,
  by: TestUser,
  appointmentId: string,
  transition: 'accept' | 'decline' | 'cancel' | 'complete',
): Promise<HttpResult<{ appointment: Appointment }>> {
  return request(baseUrl, 'POST', `/api/appointments/${appointmentId}/${transition}`, { token: by.token });
}

/** Requests and accepts an appointment; returns it with its consultation. */
export async function acceptedAppointment(
  baseUrl: string,
  patient: TestUser,
  practitioner: TestUser,
  startsAt: string,
  endsAt: string,
): Promise<Appointment> {
  const requested = await requestAppointment(baseUrl, patient, practitioner, startsAt, endsAt);
  const accepted = await moveAppointment(baseUrl, practitioner, requested.id, 'accept');
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status}`);
  return accepted.body.appointment;
}

export async function putSchedule(
  baseUrl: string,
  practitioner: TestUser,
  windows: ScheduleWindow[],
): Promise<void> {
  const res = await request(baseUrl, 'PUT', `/api/practitioners/${practitioner.user.id}/schedule`, {
    token: practitioner.token,
    body: { windows },
  });
  if (res.status !== 200) throw new Error(`schedule failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Signs in again (after a test moved the clock past the access token's life). */
export async function signInAgain(baseUrl: string, user: TestUser): Promise<void> {
  const res = await request<AuthResponse>(baseUrl, 'POST', '/api/auth/login', {
    body: { email: user.email, password: user.password },
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  user.token = res.body.access_token;
}

export async function listConversations(baseUrl: string, user: TestUser): Promise<Conversation[]> {
  const res = await request<{ conversations: Conversation[] }>(baseUrl, 'GET', '/api/conversations', {
    token: user.token,
  });
  return res.body.conversations;
}
