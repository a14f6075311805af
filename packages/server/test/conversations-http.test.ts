import type { Conversation, HistoryResponse, Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

describe.each(DIALECTS)('conversations and messages over HTTP on %s', (dialect) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let eve: TestUser;

  beforeAll(async () => {
    server = await startServer({ dialect });
    [alice, bob, eve] = await Promise.all([
      registerUser(server.url, { name: 'Alice', role: 'practitioner' }),
      registerUser(server.url, { name: 'Bob' }),
      registerUser(server.url, { name: 'Eve' }),
    ]);
  });
  afterAll(() => server.close());

  it('find-or-create: 201 the first time, 200 with the same conversation after', async () => {
    const first = await request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
      token: alice.token,
      body: { participant_ids: [bob.user.id] },
    });
    expect(first.status).toBe(201);
    const again = await request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
      token: bob.token,
      body: { participant_ids: [alice.user.id] },
    });
    expect(again.status).toBe(200);
    expect(again.body.conversation.id).toBe(first.body.conversation.id);
    const names = first.body.conversation.participants.map((p) => p.user.name).sort();
    expect(names).toEqual(['Alice', 'Bob']);
    // Emails are only for their owner.
    const bobAsSeenByAlice = first.body.conversation.participants.find((p) => p.user.id === bob.user.id);
    expect(bobAsSeenByAlice?.user.email).toBeUndefined();
  });

  it('refuses bad participant lists', async () => {
    const self = await request(server.url, 'POST', '/api/conversations', {
      token: alice.token,
      body: { participant_ids: [alice.user.id] },
    });
    expect(self).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const ghost = await request(server.url, 'POST', '/api/conversations', {
      token: alice.token,
      body: { participant_ids: ['usr_nobody'] },
    });
    expect(ghost).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('sends idempotently by client_msg_id: 201, then 200 unchanged, then 409 for other content', async () => {
    const c = await openConversation(server.url, alice, bob);
    const first = await sendHttp(server.url, alice, c.id, 'Take one tablet daily', 'cm-1');
    expect(first.status).toBe(201);
    expect(first.body.message).toMatchObject({
      conversation_id: c.id,
      sender_id: alice.user.id,
      sender_name: 'Alice',
      content: 'Take one tablet daily',
      client_msg_id: 'cm-1',
      is_edited: false,
      is_deleted: false,
      reply_to: null,
      attachments: [],
    });
    const retry = await sendHttp(server.url, alice, c.id, 'Take one tablet daily', 'cm-1');
    expect(retry.status).toBe(200);
    expect(retry.body.message).toEqual(first.body.message);
    const clash = await sendHttp(server.url, alice, c.id, 'Something else', 'cm-1');
    expect(clash).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    const history = await request<HistoryResponse>(
      server.url,
      'GET',
      `/api/conversations/${c.id}/messages?after_seq=0`,
      {
        token: bob.token,
      },
    );
    expect(history.body.messages.filter((m) => m.client_msg_id === 'cm-1')).toHaveLength(1);
  });

  it('refuses empty and oversized content, and nothing is stored', async () => {
    const c = await openConversation(server.url, alice, bob);
    const before = (
      await request<{ conversation: Conversation }>(server.url, 'GET', `/api/conversations/${c.id}`, {
        token: alice.token,
      })
    ).body.conversation.last_seq;
    const empty = await sendHttp(server.url, alice, c.id, '   ');
    expect(empty).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const big = await sendHttp(server.url, alice, c.id, 'x'.repeat(server.config.maxMessageBytes + 1));
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'message_too_large' } } });
    const noId = await request(server.url, 'POST', `/api/conversations/${c.id}/messages`, {
      token: alice.token,
      body: { content: 'no client id' },
    });
    expect(noId).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const after = (
      await request<{ conversation: Conversation }>(server.url, 'GET', `/api/conversations/${c.id}`, {
        token: alice.token,
      })
    ).body.conversation.last_seq;
    expect(after).toBe(before);
  });

  it('pages history by seq both ways, oldest first, with has_more', async () => {
    const carol = await registerUser(server.url, { name: 'Carol' });
    const c = await openConversation(server.url, carol, bob);
    for (let i = 1; i <= 7; i++) await sendHttp(server.url, carol, c.id, `message ${i}`);
    const get = (query: string) =>
      request<HistoryResponse>(server.url, 'GET', `/api/conversations/${c.id}/messages?${query}`, {
        token: bob.token,
      });
    const latest = await get('limit=3');
    expect(latest.body.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(latest.body.has_more).toBe(true);
    const older = await get('before_seq=5&limit=3');
    expect(older.body.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    const oldest = await get('before_seq=2&limit=3');
    expect(oldest.body).toMatchObject({ has_more: false });
    expect(oldest.body.messages.map((m) => m.seq)).toEqual([1]);
    const forward = await get('after_seq=2&limit=4');
    expect(forward.body.messages.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(forward.body.has_more).toBe(true);
    const rest = await get('after_seq=6');
    expect(rest.body).toMatchObject({ has_more: false });
    for (const bad of ['limit=201', 'limit=0', 'after_seq=-1', 'after_seq=abc', 'after_seq=1&before_seq=3']) {
      expect((await get(bad)).body).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });

  it('lists conversations newest activity first with last message and unread count', async () => {
    const dan = await registerUser(server.url, { name: 'Dan' });
    const withAlice = await openConversation(server.url, dan, alice);
    const withBob = await openConversation(server.url, dan, bob);
    await sendHttp(server.url, bob, withBob.id, 'from bob');
    await sendHttp(server.url, alice, withAlice.id, 'from alice 1');
    await sendHttp(server.url, alice, withAlice.id, 'from alice 2');
    await sendHttp(server.url, dan, withBob.id, 'dan replies');
    const list = await request<{ conversations: Conversation[] }>(server.url, 'GET', '/api/conversations', {
      token: dan.token,
    });
    expect(list.body.conversations.map((c) => c.id)).toEqual([withBob.id, withAlice.id]);
    const [first, second] = list.body.conversations;
    expect(first).toMatchObject({ unread_count: 0, last_seq: 2, muted: false, pinned: false });
    expect(first?.last_message?.content).toBe('dan replies');
    expect(second).toMatchObject({ unread_count: 2, last_seq: 2 });
    expect(second?.last_message?.content).toBe('from alice 2');
    expect(second?.participants.map((p) => p.user.id).sort()).toEqual([alice.user.id, dan.user.id].sort());
  });

  it('marks read up to a seq, forward only, and read_by follows', async () => {
    const frank = await registerUser(server.url, { name: 'Frank' });
    const c = await openConversation(server.url, frank, alice);
    for (let i = 1; i <= 4; i++) await sendHttp(server.url, alice, c.id, `note ${i}`);
    const read = await request(server.url, 'POST', `/api/conversations/${c.id}/read`, {
      token: frank.token,
      body: { seq: 3 },
    });
    expect(read.body).toEqual({ conversation_id: c.id, last_read_seq: 3, unread_count: 1 });
    const back = await request(server.url, 'POST', `/api/conversations/${c.id}/read`, {
      token: frank.token,
      body: { seq: 1 },
    });
    expect(back.body).toMatchObject({ last_read_seq: 3, unread_count: 1 });
    const history = await request<HistoryResponse>(server.url, 'GET', `/api/conversations/${c.id}/messages`, {
      token: alice.token,
    });
    expect(history.body.messages.map((m: Message) => m.read_by)).toEqual([
      [frank.user.id],
      [frank.user.id],
      [frank.user.id],
      [],
    ]);
    const bad = await request(server.url, 'POST', `/api/conversations/${c.id}/read`, {
      token: frank.token,
      body: { seq: 'x' },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });

  it('an outsider can neither list, read, send into, nor mark read a conversation', async () => {
    const c = await openConversation(server.url, alice, bob);
    await sendHttp(server.url, alice, c.id, 'private');
    const list = await request<{ conversations: Conversation[] }>(server.url, 'GET', '/api/conversations', {
      token: eve.token,
    });
    expect(list.body.conversations.map((x) => x.id)).not.toContain(c.id);
    const attempts = [
      request(server.url, 'GET', `/api/conversations/${c.id}`, { token: eve.token }),
      request(server.url, 'GET', `/api/conversations/${c.id}/messages`, { token: eve.token }),
      sendHttp(server.url, eve, c.id, 'let me in'),
      request(server.url, 'POST', `/api/conversations/${c.id}/read`, { token: eve.token, body: { seq: 1 } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'not_participant' } } });
    }
    // A conversation that does not exist answers the same, so ids cannot be probed.
    const missing = await request(server.url, 'GET', '/api/conversations/cnv_missing/messages', {
      token: eve.token,
    });
    expect(missing).toMatchObject({ status: 403, body: { error: { code: 'not_participant' } } });
    const unauth = await request(server.url, 'GET', `/api/conversations/${c.id}/messages`);
    expect(unauth).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
  });

  it('edits and deletes by the sender only', async () => {
    const c = await openConversation(server.url, alice, bob);
    const { body } = await sendHttp(server.url, alice, c.id, 'typo');
    const id = body.message.message_id;
    const byOther = await request(server.url, 'PATCH', `/api/messages/${id}`, {
      token: bob.token,
      body: { content: 'hijack' },
    });
    expect(byOther).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const edited = await request<{ message: Message }>(server.url, 'PATCH', `/api/messages/${id}`, {
      token: alice.token,
      body: { content: 'fixed' },
    });
    expect(edited.body.message).toMatchObject({ content: 'fixed', is_edited: true });
    const deleted = await request<{ message: Message }>(server.url, 'DELETE', `/api/messages/${id}`, {
      token: alice.token,
    });
    expect(deleted.body.message).toMatchObject({ content: '', is_deleted: true });
    const history = await request<HistoryResponse>(server.url, 'GET', `/api/conversations/${c.id}/messages`, {
      token: bob.token,
    });
    expect(history.body.messages.find((m) => m.message_id === id)).toMatchObject({
      content: '',
      is_deleted: true,
    });
    const outsider = await request(server.url, 'DELETE', `/api/messages/${id}`, { token: eve.token });
    expect(outsider).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('20 concurrent senders x 50 messages into one conversation get exactly seqs 1..1000', async () => {
    const senders = await Promise.all(
      Array.from({ length: 20 }, (_, i) => registerUser(server.url, { name: `S${i}` })),
    );
    const [creator, ...rest] = senders;
    const group = await request<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', {
      token: creator!.token,
      body: { participant_ids: rest.map((s) => s.user.id) },
    });
    expect(group.status).toBe(201);
    const id = group.body.conversation.id;
    const seqs = await Promise.all(
      senders.map(async (sender, s) => {
        const mine: number[] = [];
        for (let i = 0; i < 50; i++) {
          const res = await sendHttp(server.url, sender, id, `s${s} m${i}`, `s${s}-m${i}`);
          expect(res.status).toBe(201);
          mine.push(res.body.message.seq);
        }
        return mine;
      }),
    );
    // Each sender's own messages are in the order it sent them.
    for (const mine of seqs) expect(mine).toEqual([...mine].sort((a, b) => a - b));
    expect(seqs.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const stored: Message[] = [];
    let after = 0;
    for (;;) {
      const page = await request<HistoryResponse>(
        server.url,
        'GET',
        `/api/conversations/${id}/messages?after_seq=${after}&limit=200`,
        {
          token: creator!.token,
        },
      );
      stored.push(...page.body.messages);
      if (!page.body.has_more) break;
      after = stored[stored.length - 1]!.seq;
    }
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  }, 120_000);
});
