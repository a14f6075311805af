import type { Conversation, InboxFilter, InboxItem, Practice, PracticeRole } from '@carechat/protocol';
import type { Clock } from '../../src/core/ports/clock.js';
import type { Dialect } from './dialects.js';
import { request, type TestUser } from './http.js';
import { createAdmin, TEST_SERVER_API_KEY } from './security.js';
import { startServer, type TestServer } from './server.js';

/** HTTP helpers for the practice (team inbox) suites. */

export async function createPractice(
  baseUrl: string,
  admin: TestUser,
  name: string,
  members: ReadonlyArray<[TestUser, PracticeRole]>,
  awayNotice: string | null = null,
): Promise<Practice> {
  const created = await request<{ practice: Practice }>(baseUrl, 'POST', '/api/practices', {
    token: admin.token,
    body: { name, away_notice: awayNotice },
  });
  if (created.status !== 201)
    throw new Error(`practice failed: ${created.status} ${JSON.stringify(created.body)}`);
  let practice = created.body.practice;
  for (const [member, role] of members) {
    const put = await request<{ practice: Practice }>(
      baseUrl,
      'PUT',
      `/api/practices/${practice.id}/members/${member.user.id}`,
      { token: admin.token, body: { role } },
    );
    if (put.status !== 200) throw new Error(`member failed: ${put.status} ${JSON.stringify(put.body)}`);
    practice = put.body.practice;
  }
  return practice;
}

export function openPracticeConversation(
  baseUrl: string,
  by: TestUser,
  practiceId: string,
  patientId?: string,
) {
  return request<{ conversation: Conversation }>(
    baseUrl,
    'POST',
    `/api/practices/${practiceId}/conversations`,
    {
      token: by.token,
      body: patientId === undefined ? {} : { patient_id: patientId },
    },
  );
}

export async function inbox(
  baseUrl: string,
  by: TestUser,
  practiceId: string,
  filter: InboxFilter = 'all',
): Promise<InboxItem[]> {
  const res = await request<{ items: InboxItem[] }>(
    baseUrl,
    'GET',
    `/api/practices/${practiceId}/inbox?filter=${filter}`,
    { token: by.token },
  );
  if (res.status !== 200) throw new Error(`inbox failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items;
}

export function assign(
  baseUrl: string,
  by: TestUser,
  practiceId: string,
  conversationId: string,
  userId: string | null,
) {
  return request<{ item: InboxItem }>(
    baseUrl,
    'PUT',
    `/api/practices/${practiceId}/conversations/${conversationId}/assignee`,
    { token: by.token, body: { user_id: userId } },
  );
}

/**
 * A server for the practice suites: the appointment policy with a 72-hour window, on the test's
 * clock, the server API on (to make an admin), and that admin.
 */
export async function startPracticeServer(
  dialect: Dialect,
  clock: Clock,
): Promise<{ server: TestServer; admin: TestUser }> {
  const server = await startServer({
    dialect,
    clock,
    env: {
      MESSAGING_POLICY: 'appointment',
      CONSULTATION_WINDOW_HOURS: '72',
      SERVER_API_KEY: TEST_SERVER_API_KEY,
    },
  });
  return { server, admin: await createAdmin(server.url) };
}
