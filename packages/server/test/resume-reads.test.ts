import type { AuditPage, Conversation } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { createAdmin, eventually, TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { selectsDuring as readsDuring } from './helpers/store-reads.js';
import { TestSocket } from './helpers/ws.js';

/**
 * Issue 17, point 7: a client that comes back holding everything (most of a reconnect storm)
 * resumes from the positions its socket read as it opened: no access check, no read of messages
 * and no audit row per conversation (nothing was read). A cursor behind the end replays as before.
 */
describe.each(DIALECTS)('store reads of a resume on %s', (dialect) => {
  let server: TestServer;
  let admin: TestUser;
  let doctor: TestUser;
  let patient: TestUser;
  let busy: Conversation;
  let quiet: Conversation;

  const selectsDuring = (work: () => Promise<void>) => readsDuring(server.store, work);

  const resumeReads = async () => {
    const page = await request<AuditPage>(
      server.url,
      'GET',
      `/api/admin/audit?conversation_id=${busy.id}&action=conversation.history_read&limit=100`,
      { token: admin.token },
    );
    expect(page.status).toBe(200);
    return page.body.events.filter((e) => e.actor_id === doctor.user.id && e.detail?.resume === true);
  };

  beforeAll(async () => {
    server = await startServer({ dialect, env: { SERVER_API_KEY: TEST_SERVER_API_KEY } });
    [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner' }),
      registerUser(server.url),
    ]);
    admin = await createAdmin(server.url);
    busy = await openConversation(server.url, patient, doctor);
    const third = await registerUser(server.url);
    quiet = await openConversation(server.url, doctor, third);
    for (let i = 1; i <= 3; i++)
      expect((await sendHttp(server.url, patient, busy.id, `m${i}`)).status).toBe(201);
  });
  afterAll(() => server.close());

  it('answers a resume at the end without a replay read, then hears what follows live, once', async () => {
    let socket: TestSocket | undefined;
    const reads = await selectsDuring(async () => {
      socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
      socket.send({ type: 'resume', cursors: { [busy.id]: 3, [quiet.id]: 0 } });
      expect((await socket.next('resumed')).cursors).toEqual({ [busy.id]: 3, [quiet.id]: 0 });
    });
    // The opening's positions read the user's conversations (from participants); nothing reads
    // a conversation by id (the access check) or its messages.
    expect(
      reads.filter((sql) => /from "participants" as "p" inner join "conversations"/.test(sql)),
    ).toHaveLength(1);
    expect(reads.filter((sql) => /from "conversations"|from "messages"/.test(sql))).toEqual([]);
    expect(socket!.frames.filter((f) => f.type === 'chat_message')).toEqual([]);

    expect((await sendHttp(server.url, patient, busy.id, 'm4')).status).toBe(201);
    expect((await socket!.next('chat_message')).seq).toBe(4);

    // Behind the end: the replay reads and is audited as before, from the cursor.
    const behind = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    const replayReads = await selectsDuring(async () => {
      behind.send({ type: 'resume', cursors: { [busy.id]: 1 } });
      expect((await behind.next('resumed')).cursors).toEqual({ [busy.id]: 4 });
    });
    expect(replayReads.filter((sql) => /from "messages"/.test(sql)).length).toBeGreaterThan(0);
    expect(behind.frames.flatMap((f) => (f.type === 'chat_message' ? [f.seq] : []))).toEqual([2, 3, 4]);
    // The audit rows are written in order: once the replay's is in, the one at the end would be too.
    await eventually(async () => (await resumeReads()).length > 0);
    expect((await resumeReads()).map((e) => e.detail)).toEqual([
      expect.objectContaining({ count: 3, after_seq: 1 }),
    ]);

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(socket!.frames.flatMap((f) => (f.type === 'chat_message' ? [f.seq] : []))).toEqual([4]);
    await Promise.all([socket!.close(), behind.close()]);
  });
});
