import type { Conversation, DataExport, Message } from '@carechat/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { rawRequest } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001',
  'hex',
);

describe.each(DIALECTS)('data rights on %s', (dialect) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-01-05T10:00:00.000Z'));
  let patient: TestUser;
  let doctor: TestUser;
  let nurse: TestUser;
  let direct: Conversation;

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock,
      env: { RETENTION_DAYS: '30', ACCESS_TOKEN_TTL_SECONDS: '86400' },
    });
    [patient, doctor, nurse] = await Promise.all([
      registerUser(server.url, { name: 'Pia Patient' }),
      registerUser(server.url, { name: 'Dr. Data', role: 'practitioner' }),
      registerUser(server.url, { name: 'Nora Nurse', role: 'practitioner' }),
    ]);
    direct = await openConversation(server.url, patient, doctor);
  });
  afterAll(() => server.close());

  const db = () => (server.store as KyselyStore).db;
  const fresh = async (user: TestUser) => {
    const res = await request<{ access_token: string }>(server.url, 'POST', '/api/auth/login', {
      body: { email: user.email, password: user.password },
    });
    user.token = res.body.access_token;
  };

  it('exports every conversation and message of the caller, and nothing of others', async () => {
    const group = await openConversation(server.url, doctor, patient, nurse);
    const theirs = await openConversation(server.url, doctor, nurse);
    await sendHttp(server.url, patient, direct.id, 'first question');
    await sendHttp(server.url, doctor, direct.id, 'first answer');
    await sendHttp(server.url, nurse, group.id, 'team note');
    await sendHttp(server.url, nurse, theirs.id, 'colleagues only');
    const res = await rawRequest<DataExport>(server.url, 'GET', '/api/me/export', {
      headers: { authorization: `Bearer ${patient.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment/);
    expect(res.body.user).toMatchObject({ id: patient.user.id, email: patient.email });
    const byId = new Map(res.body.conversations.map((c) => [c.conversation.id, c.messages]));
    expect([...byId.keys()].sort()).toEqual([direct.id, group.id].sort());
    expect(byId.get(direct.id)?.map((m) => m.content)).toEqual(['first question', 'first answer']);
    expect(byId.get(group.id)?.map((m) => m.content)).toEqual(['team note']);
    expect(JSON.stringify(res.body)).not.toContain('colleagues only');
  });

  it('purges expired messages from the store, the search index and the attachment bytes; keeps the rest', async () => {
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'old.png');
    const upload = await fetch(`${server.url}/api/conversations/${direct.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${patient.token}` },
      body: form,
    });
    const { attachment } = (await upload.json()) as { attachment: { id: string } };
    const old = await request<{ message: Message }>(
      server.url,
      'POST',
      `/api/conversations/${direct.id}/messages`,
      {
        token: patient.token,
        body: {
          client_msg_id: 'old-1',
          content: 'wombat symptoms since monday',
          attachments: [{ id: attachment.id }],
        },
      },
    );
    expect(old.status).toBe(201);
    // The bytes are in the database (ATTACHMENT_STORAGE=database, the default).
    const storedParts = async () =>
      Number(
        (
          (await sql`select count(*) as n from attachment_parts`.execute(db())).rows[0] as {
            n: number | string;
          }
        ).n,
      );
    expect(await storedParts()).toBeGreaterThan(0);

    clock.advance(31 * 86_400_000);
    await Promise.all([fresh(patient), fresh(doctor)]);
    await sendHttp(server.url, doctor, direct.id, 'wombat follow-up this week');
    const purged = await server.app.core.retention.purge();
    expect(purged.messages).toBeGreaterThanOrEqual(3);
    expect(purged.attachments).toBe(1);

    expect(await server.store.findMessage(old.body.message.message_id)).toBeUndefined();
    const history = await request<{ messages: Message[] }>(
      server.url,
      'GET',
      `/api/conversations/${direct.id}/messages`,
      {
        token: patient.token,
      },
    );
    expect(history.body.messages.map((m) => m.content)).toEqual(['wombat follow-up this week']);
    const search = await request<{ results: Message[] }>(server.url, 'GET', '/api/search?query=wombat', {
      token: patient.token,
    });
    expect(search.body.results.map((m) => m.content)).toEqual(['wombat follow-up this week']);
    // The index itself, not only what the API shows.
    if (dialect === 'sqlite') {
      const hits = await sql<{
        rowid: number;
      }>`select rowid from messages_fts where messages_fts match 'symptoms'`.execute(db());
      expect(hits.rows).toHaveLength(0);
    } else {
      const hits =
        await sql`select id from messages where to_tsvector('simple', content) @@ to_tsquery('simple', 'symptoms')`.execute(
          db(),
        );
      expect(hits.rows).toHaveLength(0);
    }
    const edits = await sql`select count(*) as n from message_edits`.execute(db());
    expect(Number((edits.rows[0] as { n: number | string }).n)).toBe(0);
    expect(await storedParts()).toBe(0);
    const download = await request(server.url, 'GET', `/api/attachments/${attachment.id}`, {
      token: patient.token,
    });
    expect(download.status).toBe(404);

    // The purge is recorded; the audit trail itself is kept.
    await server.app.core.audit.flush();
    const audits = await sql<{
      action: string;
    }>`select action from audit_events where action = 'retention.purged'`.execute(db());
    expect(audits.rows.length).toBeGreaterThanOrEqual(1);
  });

  it('carries no message content in notifications unless the user turns previews on', async () => {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    await socket.roundTrip();
    await sendHttp(server.url, patient, direct.id, 'private details here');
    const plain = await socket.next('notification');
    expect(plain).not.toHaveProperty('preview');
    expect(JSON.stringify(plain)).not.toContain('private');

    const me = await request<{ settings: { notification_previews: boolean } }>(server.url, 'GET', '/api/me', {
      token: doctor.token,
    });
    expect(me.body.settings).toEqual({ notification_previews: false });
    const on = await request<{ settings: { notification_previews: boolean } }>(
      server.url,
      'PATCH',
      '/api/me',
      {
        token: doctor.token,
        body: { notification_previews: true },
      },
    );
    expect(on.body.settings.notification_previews).toBe(true);
    for (const body of [{}, { notification_previews: 'yes' }, { name: 'x' }]) {
      expect((await request(server.url, 'PATCH', '/api/me', { token: doctor.token, body })).status).toBe(400);
    }
    await sendHttp(server.url, patient, direct.id, 'now with a preview');
    const previewed = await socket.next('notification');
    expect(previewed.preview).toBe('now with a preview');
    await socket.close();
  });

  it('deletes an account: identity and sessions gone, the care record kept for the others', async () => {
    const leaving = await registerUser(server.url, { name: 'Lee Leaving' });
    const room = await openConversation(server.url, leaving, doctor);
    await sendHttp(server.url, leaving, room.id, 'please keep this in my record');
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: leaving.token });
    await socket.roundTrip();

    const wrong = await request(server.url, 'DELETE', '/api/me', {
      token: leaving.token,
      body: { password: 'not it' },
    });
    expect(wrong.status).toBe(401);
    const gone = await request(server.url, 'DELETE', '/api/me', {
      token: leaving.token,
      body: { password: leaving.password },
    });
    expect(gone.status).toBe(204);
    expect((await socket.closed()).code).toBe(4401);
    expect((await request(server.url, 'GET', '/api/me', { token: leaving.token })).status).toBe(401);
    const again = await request(server.url, 'POST', '/api/auth/login', {
      body: { email: leaving.email, password: leaving.password },
    });
    expect(again.status).toBe(401);
    expect(await server.store.findUserByEmail(leaving.email)).toBeUndefined();
    // The email is free for a new account.
    const reuse = await request(server.url, 'POST', '/api/auth/register', {
      body: { email: leaving.email, password: 'another password', name: 'New', role: 'patient' },
    });
    expect(reuse.status).toBe(201);

    const kept = await request<{ messages: Message[] }>(
      server.url,
      'GET',
      `/api/conversations/${room.id}/messages`,
      {
        token: doctor.token,
      },
    );
    expect(kept.body.messages.map((m) => [m.content, m.sender_name])).toEqual([
      ['please keep this in my record', 'Deleted user'],
    ]);
    await server.app.core.audit.flush();
    const audits = await sql<{
      action: string;
    }>`select action from audit_events where actor_id = ${leaving.user.id}`.execute(db());
    expect(audits.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['account.deleted', 'message.sent']),
    );
  });
});
