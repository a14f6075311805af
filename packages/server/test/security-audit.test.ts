import type { AccessLogPage, AuditEvent, AuditPage, Conversation } from '@carechat/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { createAdmin, rawRequest, TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

const SECRET_CONTENT = 'my rash is spreading zebra-papaya';

describe.each(DIALECTS)('audit trail on %s', (dialect) => {
  let server: TestServer;
  let admin: TestUser;
  let doctor: TestUser;
  let patient: TestUser;
  let nurse: TestUser;
  let conversation: Conversation;

  const audit = async (query: string, as: TestUser = admin) => {
    const res = await request<AuditPage>(server.url, 'GET', `/api/admin/audit?${query}`, { token: as.token });
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    server = await startServer({ dialect, env: { SERVER_API_KEY: TEST_SERVER_API_KEY } });
    [doctor, patient, nurse] = await Promise.all([
      registerUser(server.url, { name: 'Dr. Audit', role: 'practitioner' }),
      registerUser(server.url, { name: 'Pat Ient' }),
      registerUser(server.url, { name: 'Nurse', role: 'practitioner' }),
    ]);
    admin = await createAdmin(server.url);
    conversation = await openConversation(server.url, doctor, patient);
  });
  afterAll(() => server.close());

  it('records logins, failures (an unknown email only as a keyed hash) and token mints, with door and address', async () => {
    const ok = await request(server.url, 'POST', '/api/auth/login', {
      body: { email: patient.email, password: patient.password },
    });
    expect(ok.status).toBe(200);
    await request(server.url, 'POST', '/api/auth/login', {
      body: { email: patient.email, password: 'wrong one!' },
    });
    const unknownEmail = 'nobody-at-all@example.test';
    await request(server.url, 'POST', '/api/auth/login', {
      body: { email: unknownEmail, password: 'whatever1' },
    });

    const logins = await audit(`action=auth.login&actor_id=${patient.user.id}`);
    expect(logins.events[0]).toMatchObject({ outcome: 'ok', door: 'http', actor_role: 'patient' });
    expect(logins.events[0]!.address).toMatch(/127\.0\.0\.1/);
    const failures = await audit('action=auth.login_failed');
    const known = failures.events.find((e) => e.target_user_id === patient.user.id);
    expect(known).toMatchObject({ outcome: 'refused', code: 'invalid_credentials', actor_id: null });
    const unknown = failures.events.find((e) => e.target_user_id === null);
    expect(unknown?.detail?.account).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(JSON.stringify(failures)).not.toContain(unknownEmail);

    const mints = await audit('action=auth.token_minted');
    expect(mints.events.some((e) => e.target_user_id === admin.user.id && e.door === 'server_api')).toBe(
      true,
    );
  });

  it('records sends, edits, deletes and history reads on every door — ids, never content', async () => {
    const sent = await sendHttp(server.url, patient, conversation.id, SECRET_CONTENT);
    const messageId = sent.body.message.message_id;
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    socket.send({ type: 'resume', cursors: { [conversation.id]: 0 } });
    await socket.next('resumed');
    socket.send({
      type: 'chat_message',
      conversation_id: conversation.id,
      content: SECRET_CONTENT,
      client_msg_id: 'a1',
    });
    const ack = await socket.next('message_sent');
    await socket.close();
    await request(server.url, 'PATCH', `/api/messages/${messageId}`, {
      token: patient.token,
      body: { content: `${SECRET_CONTENT} edited` },
    });
    await request(server.url, 'DELETE', `/api/messages/${messageId}`, { token: patient.token });
    await request(server.url, 'GET', `/api/conversations/${conversation.id}/messages`, {
      token: doctor.token,
    });

    const events = (await audit(`conversation_id=${conversation.id}&limit=1000`)).events;
    const of = (action: string) => events.filter((e) => e.action === action);
    expect(of('message.sent').map((e) => e.message_id)).toEqual(
      expect.arrayContaining([messageId, ack.message_id]),
    );
    expect(of('message.sent').find((e) => e.message_id === ack.message_id)).toMatchObject({
      door: 'ws',
      actor_id: doctor.user.id,
    });
    expect(of('message.edited')[0]).toMatchObject({ message_id: messageId, actor_id: patient.user.id });
    expect(of('message.deleted')[0]).toMatchObject({ message_id: messageId });
    const reads = of('conversation.history_read').filter((e) => e.actor_id === doctor.user.id);
    expect(reads.map((e) => e.door)).toEqual(expect.arrayContaining(['http', 'ws']));
    expect(reads.find((e) => e.door === 'ws')?.detail).toMatchObject({ resume: true });

    // Nowhere in the trail: not in the API's answers, not in the table itself.
    expect(JSON.stringify(events)).not.toContain('zebra');
    const db = (server.store as KyselyStore).db;
    const dump = await sql<Record<string, unknown>>`select * from audit_events`.execute(db);
    expect(JSON.stringify(dump.rows)).not.toContain('zebra');
    expect(JSON.stringify(dump.rows)).not.toContain(patient.email);
  });

  it('records participant changes and policy refusals', async () => {
    const group = await openConversation(server.url, doctor, patient, nurse);
    const outsider = await registerUser(server.url, { role: 'practitioner' });
    const added = await request(server.url, 'POST', `/api/conversations/${group.id}/participants`, {
      token: doctor.token,
      body: { user_ids: [outsider.user.id] },
    });
    expect(added.status).toBe(200);
    await request(server.url, 'DELETE', `/api/conversations/${group.id}/participants/${outsider.user.id}`, {
      token: doctor.token,
    });
    const events = (await audit(`conversation_id=${group.id}`)).events;
    expect(events.find((e) => e.action === 'participant.added')).toMatchObject({
      target_user_id: outsider.user.id,
    });
    expect(events.find((e) => e.action === 'participant.removed')).toMatchObject({
      target_user_id: outsider.user.id,
    });

    // A refused access is recorded too.
    const probe = await request(server.url, 'GET', `/api/conversations/${group.id}/messages`, {
      token: outsider.token,
    });
    expect(probe.status).toBe(403);
    const refused = await audit(`action=access.refused&actor_id=${outsider.user.id}`);
    expect(refused.events[0]).toMatchObject({ conversation_id: group.id, code: 'not_participant' });

    const strict = await startServer({
      dialect,
      env: { MESSAGING_POLICY: 'appointment', SERVER_API_KEY: TEST_SERVER_API_KEY },
    });
    try {
      const [p, d] = await Promise.all([
        registerUser(strict.url),
        registerUser(strict.url, { role: 'practitioner' }),
      ]);
      const res = await request(strict.url, 'POST', '/api/conversations', {
        token: p.token,
        body: { participant_ids: [d.user.id] },
      });
      expect(res.status).toBe(403);
      const strictAdmin = await createAdmin(strict.url);
      const page = await request<AuditPage>(strict.url, 'GET', '/api/admin/audit?action=policy.refused', {
        token: strictAdmin.token,
      });
      expect(page.body.events[0]).toMatchObject({
        actor_id: p.user.id,
        code: 'no_care_relationship',
        target_user_id: d.user.id,
      });
    } finally {
      await strict.close();
    }
  });

  it('lets admins page, filter and export as JSON and CSV; others are refused; admin reads are audited', async () => {
    for (const who of [patient, doctor]) {
      const res = await request(server.url, 'GET', '/api/admin/audit', { token: who.token });
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      const exp = await request(server.url, 'GET', '/api/admin/audit/export', { token: who.token });
      expect(exp.status).toBe(403);
    }
    const first = await audit('limit=3');
    expect(first.events).toHaveLength(3);
    expect(first.next_cursor).not.toBeNull();
    const second = await audit(`limit=3&cursor=${first.next_cursor}`);
    expect(second.events.map((e) => e.id)).not.toContain(first.events[0]!.id);
    expect(second.events[0]!.at <= first.events[2]!.at).toBe(true);

    const since = new Date(Date.now() - 3_600_000).toISOString();
    const json = await rawRequest<{ events: AuditEvent[] }>(
      server.url,
      'GET',
      `/api/admin/audit/export?format=json&since=${encodeURIComponent(since)}`,
      { headers: { authorization: `Bearer ${admin.token}` } },
    );
    expect(json.status).toBe(200);
    expect(json.headers.get('content-disposition')).toMatch(/attachment/);
    expect(json.body.events.length).toBeGreaterThan(5);

    const csv = await rawRequest<string>(server.url, 'GET', '/api/admin/audit/export?format=csv', {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,at,action,outcome,code,actor_id,actor_role,session_id,door,address,conversation_id,message_id,target_user_id,detail',
    );
    expect(lines.length).toBeGreaterThan(5);

    const bad = await request(server.url, 'GET', '/api/admin/audit?cursor=nonsense', { token: admin.token });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });

    const adminActs = await audit(`actor_id=${admin.user.id}&action=admin.audit_exported`);
    expect(adminActs.events.map((e) => e.detail?.format)).toEqual(expect.arrayContaining(['json', 'csv']));
  });

  it('shows a patient who accessed their conversations', async () => {
    await request(server.url, 'GET', `/api/conversations/${conversation.id}/messages`, {
      token: doctor.token,
    });
    const log = await request<AccessLogPage>(server.url, 'GET', '/api/me/access-log', {
      token: patient.token,
    });
    expect(log.status).toBe(200);
    const read = log.body.entries.find((e) => e.actor?.id === doctor.user.id);
    expect(read).toMatchObject({
      action: 'conversation.history_read',
      conversation_id: conversation.id,
      actor: { name: 'Dr. Audit', role: 'practitioner' },
    });
    // Their own reads are not news to them, and nobody's email is shown.
    expect(log.body.entries.some((e) => e.actor?.id === patient.user.id)).toBe(false);
    expect(JSON.stringify(log.body)).not.toContain('@');
  });

  it('is append-only in the database itself', async () => {
    const db = (server.store as KyselyStore).db;
    await expect(sql`update audit_events set action = 'x'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_events`.execute(db)).rejects.toThrow(/append-only/);
  });
});
