import type { Attachment, AuditPage, Message } from '@carechat/protocol';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { createAdmin, eventually, TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

async function upload(server: TestServer, user: TestUser, conversationId: string, name: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), name);
  const response = await fetch(`${server.url}/api/conversations/${conversationId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as { attachment: Attachment } };
}

/** Issue 12, points 9, 10 and 13 (file names): deleted means gone, every read of content is audited. */
describe.each(DIALECTS)('attachments and reads on %s', (dialect) => {
  let server: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  let admin: TestUser;

  const audit = async (query: string) => {
    const res = await request<AuditPage>(server.url, 'GET', `/api/admin/audit?${query}`, {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    return res.body.events;
  };

  beforeAll(async () => {
    server = await startServer({ dialect, env: { SERVER_API_KEY: TEST_SERVER_API_KEY } });
    [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner' }),
      registerUser(server.url),
    ]);
    admin = await createAdmin(server.url);
  });
  afterAll(() => server.close());

  it('answers 404 for an attachment of a deleted message, and removes its bytes', async () => {
    const c = await openConversation(server.url, doctor, patient);
    const uploaded = await upload(server, patient, c.id, 'rash.png');
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.attachment.id;
    const sent = await request<{ message: Message }>(
      server.url,
      'POST',
      `/api/conversations/${c.id}/messages`,
      {
        token: patient.token,
        body: { client_msg_id: 'with-file', content: 'see photo', attachments: [{ id }] },
      },
    );
    expect(sent.status).toBe(201);
    // The bytes live in the database (ATTACHMENT_STORAGE=database, the default).
    const storedParts = async () =>
      Number(
        (
          await sql<{ n: number }>`select count(*) as n from attachment_parts where key = ${id}`.execute(
            (server.store as unknown as { db: Kysely<unknown> }).db,
          )
        ).rows[0]?.n,
      );
    expect(await storedParts()).toBe(1);
    expect(
      (
        await fetch(`${server.url}/api/attachments/${id}`, {
          headers: { authorization: `Bearer ${doctor.token}` },
        })
      ).status,
    ).toBe(200);

    const deleted = await request(server.url, 'DELETE', `/api/messages/${sent.body.message.message_id}`, {
      token: patient.token,
    });
    expect(deleted.status).toBe(200);
    for (const who of [doctor, patient]) {
      const res = await fetch(`${server.url}/api/attachments/${id}`, {
        headers: { authorization: `Bearer ${who.token}` },
      });
      expect(res.status).toBe(404);
    }
    expect(await storedParts()).toBe(0);
    // The deleted attachment cannot be sent again either.
    const again = await request(server.url, 'POST', `/api/conversations/${c.id}/messages`, {
      token: patient.token,
      body: { client_msg_id: 'again', content: 'again', attachments: [{ id }] },
    });
    expect(again.status).toBe(400);
  });

  it('cleans bidirectional control characters out of file names', async () => {
    const c = await openConversation(server.url, doctor, patient);
    const name = 'invoice\u202Egnp.exe\u2066\u2069\u200E\u200F\u202A\u202B\u202C\u202D\u2067\u2068.png';
    const uploaded = await upload(server, patient, c.id, name);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.attachment.name).toBe('invoicegnp.exe.png');
  });

  it('audits search results and conversation-list previews like history reads (ids and counts)', async () => {
    const c = await openConversation(server.url, doctor, patient);
    const word = `zyx${Date.now().toString(36)}`;
    await sendHttp(server.url, patient, c.id, `first ${word}`);
    await sendHttp(server.url, patient, c.id, `second ${word}`);

    const found = await request<{ results: Message[] }>(server.url, 'GET', `/api/search?query=${word}`, {
      token: doctor.token,
    });
    expect(found.status).toBe(200);
    expect(found.body.results).toHaveLength(2);
    const list = await request<{ conversations: unknown[] }>(server.url, 'GET', '/api/conversations', {
      token: doctor.token,
    });
    expect(list.status).toBe(200);

    let reads: AuditPage['events'] = [];
    await eventually(async () => {
      reads = (await audit(`conversation_id=${c.id}&action=conversation.history_read&limit=100`)).filter(
        (e) => e.actor_id === doctor.user.id,
      );
      return reads.some((e) => e.detail?.search === true) && reads.some((e) => e.detail?.preview === true);
    });
    expect(reads.find((e) => e.detail?.search === true)?.detail).toMatchObject({ count: 2 });
    expect(reads.find((e) => e.detail?.preview === true)?.detail).toMatchObject({ count: 1 });
    expect(JSON.stringify(reads)).not.toContain(word);
  });
});
