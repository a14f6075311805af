import {
  decodeEventCursor,
  type EventsResponse,
  encodeEventCursor,
  type Message,
  type ServerFrame,
} from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { StreamRefused, TestEventStream } from './helpers/sse.js';

const seqsOf = (frames: ServerFrame[], conversationId: string) =>
  frames.flatMap((f) =>
    (f.type === 'chat_message' || f.type === 'message_sent') && f.conversation_id === conversationId
      ? [f.seq]
      : [],
  );

describe.each(DIALECTS)('fallback doors (SSE, long-poll, POST /api/frames) on %s', (dialect) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  const streams: TestEventStream[] = [];

  async function stream(options: Parameters<typeof TestEventStream.open>[1]): Promise<TestEventStream> {
    const s = await TestEventStream.open(server.url, options);
    streams.push(s);
    return s;
  }

  const poll = (user: TestUser, query: Record<string, string | number> = {}) =>
    request<EventsResponse>(
      server.url,
      'GET',
      `/api/events?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`,
      { token: user.token },
    );

  beforeAll(async () => {
    server = await startServer({ dialect });
    [alice, bob, eve] = await Promise.all([
      registerUser(server.url, { name: 'Alice', role: 'practitioner' }),
      registerUser(server.url, { name: 'Bob' }),
      registerUser(server.url, { name: 'Eve' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await server.close();
  });

  describe('Server-Sent Events', () => {
    it('authenticates by bearer header, ?token= and session cookie; refuses anything else with 401', async () => {
      for (const options of [{ bearer: bob.token }, { token: bob.token }, { cookie: bob.cookie }]) {
        const s = await stream(options);
        const resumed = await s.next('resumed');
        expect(resumed.type).toBe('resumed');
        await s.close();
      }
      for (const options of [{}, { token: 'not-a-token' }, { cookie: 'carechat_session=nope' }]) {
        const refused = await TestEventStream.open(server.url, options).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(StreamRefused);
        expect((refused as StreamRefused).status).toBe(401);
        expect(JSON.parse((refused as StreamRefused).body).error.code).toBe('unauthenticated');
      }
    });

    it('delivers live: chat_message to the other side, message_sent to the sender, each with the cursor as id', async () => {
      const c = await openConversation(server.url, alice, bob);
      const [bobStream, aliceStream] = [
        await stream({ bearer: bob.token }),
        await stream({ bearer: alice.token }),
      ];
      await Promise.all([bobStream.next('resumed'), aliceStream.next('resumed')]);
      const sent = await sendHttp(server.url, alice, c.id, 'Your results are in', 'sse-1');
      const got = await bobStream.next('chat_message', (f) => f.client_msg_id === 'sse-1');
      expect(got).toMatchObject({ message_id: sent.body.message.message_id, content: 'Your results are in' });
      await aliceStream.next('message_sent', (f) => f.client_msg_id === 'sse-1');
      const event = bobStream.events.find((e) => e.frame.type === 'chat_message');
      expect(decodeEventCursor(event!.id!)?.seqs[c.id]).toBe(got.seq);
    });

    it('resumes exactly from Last-Event-ID: the missed messages once each, in order, then resumed', async () => {
      const hal = await registerUser(server.url, { name: 'Hal' });
      const c = await openConversation(server.url, alice, hal);
      const first = await stream({ bearer: hal.token });
      await first.next('resumed');
      for (let i = 1; i <= 3; i++) await sendHttp(server.url, alice, c.id, `m${i}`);
      await first.next('chat_message', (f) => f.seq === 3);
      const lastId = first.lastEventId!;
      await first.close();

      for (let i = 4; i <= 9; i++) await sendHttp(server.url, alice, c.id, `m${i}`);
      const second = await stream({ bearer: hal.token, lastEventId: lastId });
      const resumed = await second.next('resumed');
      expect(resumed.cursors[c.id]).toBe(9);
      expect(seqsOf(second.frames, c.id)).toEqual([4, 5, 6, 7, 8, 9]);
      // Live messages continue the sequence after the replay, once each.
      await sendHttp(server.url, alice, c.id, 'm10');
      await second.next('chat_message', (f) => f.seq === 10);
      expect(seqsOf(second.frames, c.id)).toEqual([4, 5, 6, 7, 8, 9, 10]);
      // Last-Event-ID wins over ?cursor= (EventSource keeps the URL it started with).
      const third = await stream({ bearer: hal.token, lastEventId: lastId, cursor: second.lastEventId! });
      await third.next('resumed');
      expect(seqsOf(third.frames, c.id)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    });

    it('a conversation created while away is announced and replayed from its first message', async () => {
      const ida = await registerUser(server.url, { name: 'Ida' });
      const first = await stream({ bearer: ida.token });
      const start = await first.next('resumed');
      const cursor = first.lastEventId!;
      expect(start.cursors).toEqual({});
      await first.close();

      const c = await openConversation(server.url, alice, ida);
      await sendHttp(server.url, alice, c.id, 'welcome');
      await sendHttp(server.url, alice, c.id, 'second');
      const second = await stream({ bearer: ida.token, lastEventId: cursor });
      await second.next('resumed');
      const created = second.frames.findIndex((f) => f.type === 'conversation_created');
      const firstMessage = second.frames.findIndex((f) => f.type === 'chat_message');
      expect(created).toBeGreaterThanOrEqual(0);
      expect(created).toBeLessThan(firstMessage);
      expect(seqsOf(second.frames, c.id)).toEqual([1, 2]);
    });

    it('a cursor naming someone else’s conversations gets one not_participant for them and leaks nothing', async () => {
      const c = await openConversation(server.url, alice, bob);
      await sendHttp(server.url, alice, c.id, 'private');
      const forged = encodeEventCursor({ seqs: { [c.id]: 0, cnv_unknown: 0 }, all: false });
      const s = await stream({ bearer: eve.token, cursor: forged });
      const resumed = await s.next('resumed');
      expect(resumed.cursors).toEqual({});
      // One error for all of them (a cursor cannot make the server answer, or audit, per id).
      const errors = s.frames.filter((f) => f.type === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'not_participant' });
      expect(errors[0]).not.toHaveProperty('ref');
      expect(s.frames.some((f) => f.type === 'chat_message')).toBe(false);
      await sendHttp(server.url, alice, c.id, 'still private');
      await sendHttp(server.url, eve, (await openConversation(server.url, eve, alice)).id, 'ping');
      await s.next('message_sent');
      expect(s.frames.some((f) => f.type === 'chat_message')).toBe(false);
    });

    it('refuses an unreadable cursor with 400 invalid_request', async () => {
      for (const cursor of ['garbage', encodeEventCursor({ seqs: {}, all: true }).slice(0, 5), '%%%']) {
        const refused = await TestEventStream.open(server.url, { bearer: bob.token, cursor }).catch(
          (e: unknown) => e,
        );
        expect((refused as StreamRefused).status).toBe(400);
        expect(JSON.parse((refused as StreamRefused).body).error.code).toBe('invalid_request');
      }
    });

    it('writes keep-alive comments at the interval the client asks for', async () => {
      const s = await stream({ bearer: bob.token, heartbeatMs: 1000 });
      await s.next('resumed');
      await until(() => s.comments > 0);
    });
  });

  describe('long-poll', () => {
    it('without a cursor answers at once with the current position; with it, the messages since', async () => {
      const jo = await registerUser(server.url, { name: 'Jo' });
      const c = await openConversation(server.url, alice, jo);
      await sendHttp(server.url, alice, c.id, 'before');
      const start = await poll(jo, { timeout_ms: 0 });
      expect(start.status).toBe(200);
      expect(start.body.events).toEqual([]);
      expect(decodeEventCursor(start.body.cursor)).toEqual({ seqs: { [c.id]: 1 }, all: true });

      await sendHttp(server.url, alice, c.id, 'one');
      await sendHttp(server.url, alice, c.id, 'two');
      const next = await poll(jo, { cursor: start.body.cursor });
      expect(seqsOf(next.body.events, c.id)).toEqual([2, 3]);
      expect(decodeEventCursor(next.body.cursor)?.seqs[c.id]).toBe(3);
    });

    it('waits for the next event and answers as soon as it happens', async () => {
      const kim = await registerUser(server.url, { name: 'Kim' });
      const c = await openConversation(server.url, alice, kim);
      const start = await poll(kim, { timeout_ms: 0 });
      const before = server.app.live.connectionCount;
      const waiting = poll(kim, { cursor: start.body.cursor, timeout_ms: 20_000 });
      // Typing is not replayed, so it must happen once the poll is registered with the hub.
      await until(() => server.app.live.connectionCount > before);
      const started = Date.now();
      await request(server.url, 'POST', '/api/frames', {
        token: alice.token,
        body: { type: 'typing_indicator', conversation_id: c.id, is_typing: true },
      });
      const result = await waiting;
      expect(result.body.events[0]).toMatchObject({ type: 'typing_indicator', user_id: alice.user.id });
      expect(Date.now() - started).toBeLessThan(10_000);
      // A message sent while nobody polls is in the next answer, wherever the poll lands.
      await sendHttp(server.url, alice, c.id, 'between polls');
      const next = await poll(kim, { cursor: result.body.cursor, timeout_ms: 20_000 });
      expect(seqsOf(next.body.events, c.id)).toEqual([1]);
    });

    it('answers with no events and the same position when nothing happens before timeout_ms', async () => {
      const start = await poll(bob, { timeout_ms: 0 });
      const result = await poll(bob, { cursor: start.body.cursor, timeout_ms: 100 });
      expect(result.body.events).toEqual([]);
      expect(decodeEventCursor(result.body.cursor)).toEqual(decodeEventCursor(start.body.cursor));
    });

    it('pages by limit: each answer’s cursor points just after its last event', async () => {
      const lou = await registerUser(server.url, { name: 'Lou' });
      const c = await openConversation(server.url, alice, lou);
      const start = await poll(lou, { timeout_ms: 0 });
      for (let i = 1; i <= 5; i++) await sendHttp(server.url, alice, c.id, `m${i}`);
      let cursor = start.body.cursor;
      const seen: number[] = [];
      for (let page = 0; page < 3; page++) {
        const result = await poll(lou, { cursor, limit: 2, timeout_ms: 0 });
        seen.push(...seqsOf(result.body.events, c.id));
        cursor = result.body.cursor;
      }
      expect(seen).toEqual([1, 2, 3, 4, 5]);
    });

    it('a cursor from one node resumes exactly on another (shared store, separate buses)', async () => {
      const other = await startServer({
        shared: { store: { store: server.store, dispose: async () => {} }, bus: new MemoryBus() },
      });
      try {
        const mo = await registerUser(server.url, { name: 'Mo' });
        const c = await openConversation(server.url, alice, mo);
        const start = await poll(mo, { timeout_ms: 0 });
        for (let i = 1; i <= 4; i++) await sendHttp(server.url, alice, c.id, `m${i}`);
        const there = await request<EventsResponse>(
          other.url,
          'GET',
          `/api/events?cursor=${start.body.cursor}&timeout_ms=0`,
          { token: mo.token },
        );
        expect(seqsOf(there.body.events, c.id)).toEqual([1, 2, 3, 4]);
      } finally {
        await other.close();
      }
    });

    it('refuses an unauthenticated poll (401) and a bad cursor or timeout (400)', async () => {
      expect((await request(server.url, 'GET', '/api/events')).status).toBe(401);
      expect((await poll(bob, { cursor: 'nope' })).status).toBe(400);
      expect((await poll(bob, { timeout_ms: 999_999 })).status).toBe(400);
    });
  });

  describe('POST /api/frames', () => {
    it('sends a chat_message idempotently by client_msg_id (201, then 200 with the stored message)', async () => {
      const c = await openConversation(server.url, alice, bob);
      const frame = {
        type: 'chat_message',
        conversation_id: c.id,
        content: 'over http',
        client_msg_id: 'f-1',
      };
      const first = await request<{ message: Message }>(server.url, 'POST', '/api/frames', {
        token: alice.token,
        body: frame,
      });
      expect(first.status).toBe(201);
      const again = await request<{ message: Message }>(server.url, 'POST', '/api/frames', {
        token: alice.token,
        body: frame,
      });
      expect(again.status).toBe(200);
      expect(again.body.message.message_id).toBe(first.body.message.message_id);
    });

    it('relays typing and read receipts to the other side’s event stream', async () => {
      const c = await openConversation(server.url, alice, bob);
      const sent = await sendHttp(server.url, alice, c.id, 'read me');
      const s = await stream({ bearer: alice.token });
      await s.next('resumed');
      const typing = await request(server.url, 'POST', '/api/frames', {
        token: bob.token,
        body: { type: 'typing_indicator', conversation_id: c.id, is_typing: true },
      });
      expect(typing.status).toBe(200);
      expect(await s.next('typing_indicator')).toMatchObject({ user_id: bob.user.id, is_typing: true });
      const read = await request(server.url, 'POST', '/api/frames', {
        token: bob.token,
        body: { type: 'read_receipt', conversation_id: c.id, seq: sent.body.message.seq },
      });
      expect(read.body).toMatchObject({ last_read_seq: sent.body.message.seq });
      expect(await s.next('read_receipt')).toMatchObject({
        user_id: bob.user.id,
        seq: sent.body.message.seq,
      });
      const pong = await request(server.url, 'POST', '/api/frames', {
        token: bob.token,
        body: { type: 'ping' },
      });
      expect(pong.body).toEqual({ type: 'pong' });
    });

    it('refuses bad frames, resume, and conversations the user is not in, storing nothing', async () => {
      const c = await openConversation(server.url, alice, bob);
      const cases: Array<[unknown, number, string]> = [
        [{ type: 'nope' }, 400, 'invalid_request'],
        [{ type: 'chat_message', content: 'no conversation' }, 400, 'invalid_request'],
        [{ type: 'resume', cursors: {} }, 400, 'invalid_request'],
        [[1, 2], 400, 'invalid_request'],
        [
          { type: 'chat_message', conversation_id: c.id, content: 'intrude', client_msg_id: 'e' },
          403,
          'not_participant',
        ],
        [{ type: 'typing_indicator', conversation_id: c.id, is_typing: true }, 403, 'not_participant'],
      ];
      for (const [body, status, code] of cases) {
        const res = await request<{ error: { code: string } }>(server.url, 'POST', '/api/frames', {
          token: eve.token,
          body,
        });
        expect([res.status, res.body.error.code]).toEqual([status, code]);
      }
      const history = await request<{ messages: Message[] }>(
        server.url,
        'GET',
        `/api/conversations/${c.id}/messages`,
        { token: alice.token },
      );
      expect(history.body.messages.some((m) => m.content === 'intrude')).toBe(false);
      expect((await request(server.url, 'POST', '/api/frames', { body: { type: 'ping' } })).status).toBe(401);
    });
  });

  it('shutting down ends open streams and answers waiting polls', async () => {
    const own = await startServer({ dialect });
    try {
      const nia = await registerUser(own.url, { name: 'Nia' });
      const s = await TestEventStream.open(own.url, { bearer: nia.token });
      await s.next('resumed');
      const waiting = request<EventsResponse>(own.url, 'GET', '/api/events?timeout_ms=30000', {
        token: nia.token,
      });
      await until(() => own.app.events.openCount === 2);
      await own.app.close();
      await s.ended();
      expect((await waiting).status).toBe(200);
    } finally {
      await own.close().catch(() => {});
    }
  });
});

/** Waits for a condition the test cannot be told about directly (server-side registration). */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
