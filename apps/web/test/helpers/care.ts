import type { Appointment, Conversation } from '@carechat/protocol';
import { request, type TestUser } from '../../../../packages/server/test/helpers/http.js';

/**
 * A care relationship made the way people make it, through the API: the patient asks for an
 * appointment tomorrow, the practitioner accepts it, which opens their consultation and chat.
 */
export async function acceptedAppointment(
  baseUrl: string,
  patient: TestUser,
  practitioner: TestUser,
): Promise<{ appointment: Appointment; conversationId: string }> {
  const start = new Date(Date.now() + 24 * 3_600_000);
  start.setUTCMinutes(0, 0, 0);
  const requested = await request<{ appointment: Appointment }>(baseUrl, 'POST', '/api/appointments', {
    token: patient.token,
    body: {
      practitioner_id: practitioner.user.id,
      starts_at: start.toISOString(),
      ends_at: new Date(start.getTime() + 30 * 60_000).toISOString(),
    },
  });
  if (requested.status !== 201) throw new Error(`appointment request failed: ${requested.status}`);
  const accepted = await request<{ appointment: Appointment }>(
    baseUrl,
    'POST',
    `/api/appointments/${requested.body.appointment.id}/accept`,
    { token: practitioner.token },
  );
  const conversationId = accepted.body.appointment.consultation?.conversation_id;
  if (accepted.status !== 200 || !conversationId) throw new Error(`accept failed: ${accepted.status}`);
  return { appointment: accepted.body.appointment, conversationId };
}

export async function history(baseUrl: string, user: TestUser, conversationId: string): Promise<string[]> {
  const res = await request<{ messages: Array<{ content: string }> }>(
    baseUrl,
    'GET',
    `/api/conversations/${conversationId}/messages?limit=200`,
    { token: user.token },
  );
  return res.body.messages.map((m) => m.content);
}

export type { Conversation };
