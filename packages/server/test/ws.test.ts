import { Socket } from 'node:net';
import type { Conversation, Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

describe.each(DIALECTS)('WebSocket door on %s', (dialect) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let conversation: Conversation;
  const sockets: TestSocket[] = [];

  async function connect(
    path: string,
    options: Parameters<typeof TestSocket.connect>[1],
  ): Promise<TestSocket> {
    const socket = await TestSocket.connect(`${server.wsUrl}${path}`, options);
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    server = await startServer({ dialect });
    [alice, bob, eve] = await Promise.all([
      registerUser(server.url, { name: 'Alice', role: 'practitioner' }),
      registerUser(server.url, { name: 'Bob' }),
      registerUser(server.url, { name: 'Eve' }),
    ]);
    conversation = await openConversation(server.url, alice, bob);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await server.close();
  });

  it('authenticates by ?token=, bearer header and session cookie', async () => {
    for (const options of [{ token: alice.token }, { bearer: alice.token }, { cookie: alice.cookie }]) {
      const socket = await connect('/ws', options);
      expect(socket.isOpen).toBe(true);
      socket.send({ type: 'ping' });
      await socket.next('pong');
      await socket.close();
    }
  });

  it('closes an unauthenticated upgrade with 4401', async () => {
    for (const options of [{}, { token: 'not-a-token' }, { cookie: 'carechat_session=nope' }]) {
      const socket = await connect('/ws', options);
      expect((await socket.closed()).code).toBe(4401);
    }
  });

  it('closes /ws/chat/:id with 4403 for a non-participant or an unknown conversation', async () => {
    const outsider = await connect(`/ws/chat/${conversation.id}/`, { token: eve.token });
    expect((await outsider.closed()).code).toBe(4403);
    const unknown = await connect('/ws/chat/cnv_unknown/', { token: eve.token });
    expect((await unknown.closed()).code).toBe(4403);
  });

  it('delivers a send to every device: message_sent to the sender’s, chat_message to the others’', async () => {
    const [aliceTab1, aliceTab2, bobPhone, bobLaptop, eveSocket] = await Promise.all([
      connect('/ws', { token: alice.token }),
      connect('/ws', { cookie: alice.cookie }),
      connect('/ws', { token: bob.token }),
      connect(`/ws/chat/${conversation.id}/`, { token: bob.token }),
      connect('/ws', { token: eve.token }),
    ]);
    aliceTab1.send({
      type: 'chat_message',
      conversation_id: conversation.id,
      content: 'Your results are in',
      client_msg_id: 'ws-1',
    });
    const ack = await aliceTab1.next('message_sent', (f) => f.client_msg_id === 'ws-1');
    expect(ack).toMatchObject({
      content: 'Your results are in',
      sender_id: alice.user.id,
      sender_name: 'Alice',
      conversation_id: conversation.id,
    });
    const other = await aliceTab2.next('message_sent', (f) => f.client_msg_id === 'ws-1');
    expect(other.message_id).toBe(ack.message_id);
    for (const socket of [bobPhone, bobLaptop]) {
      const got = await socket.next('chat_message', (f) => f.message_id === ack.message_id);
      expect(got).toMatchObject({ seq: ack.seq, content: 'Your results are in', client_msg_id: 'ws-1' });
    }
    // The stored message is what was acknowledged.
    const history = await request<{ messages: Message[] }>(
      server.url,
      'GET',
      `/api/conversations/${conversation.id}/messages?after_seq=${ack.seq - 1}`,
      {
        token: bob.token,
      },
    );
    expect(history.body.messages[0]).toMatchObject({ message_id: ack.message_id, seq: ack.seq });
    await eveSocket.roundTrip();
    expect(eveSocket.frames.some((f) => f.type === 'chat_message')).toBe(false);
  });

  it('writes the frames of one event to a socket in one call: a recipient’s chat_message and notification', async () => {
    const bobSocket = await connect('/ws', { token: bob.token });
    // Every write the server makes to each of its sockets, as the chunks of each call.
    const calls = new Map<Socket, string[]>();
    const record = (socket: Socket, written: string) => {
      if (socket.localPort !== port) return;
      calls.set(socket, [...(calls.get(socket) ?? []), written]);
    };
    const port = Number(new URL(server.url).port);
    const writev = Socket.prototype._writev!;
    const write = Socket.prototype._write;
    Socket.prototype._writev = function (chunks, callback) {
      record(this, chunks.map((c) => String(c.chunk)).join(''));
      return writev.call(this, chunks, callback);
    };
    Socket.prototype._write = function (chunk, encoding, callback) {
      record(this, String(chunk));
      return write.call(this, chunk, encoding, callback);
    };
    try {
      const sent = await sendHttp(server.url, alice, conversation.id, 'One write for both frames');
      const id = sent.body.message.message_id;
      await bobSocket.next('notification', (f) => f.message_id === id);
      await bobSocket.roundTrip();
      // On each socket, the calls that carried this message's frames (Alice's HTTP answer carries
      // the id too, in no frame).
      const perSocket = [...calls.values()].map((written) =>
        written.filter((w) => w.includes(id) && /"type":"(chat_message|notification|message_sent)"/.test(w)),
      );
      const carrying = perSocket.filter((written) => written.length > 0);
      expect(carrying.length).toBeGreaterThan(0);
      for (const written of carrying) expect(written).toHaveLength(1);
      expect(
        carrying.some(([w]) => w!.includes('"type":"chat_message"') && w!.includes('"type":"notification"')),
      ).toBe(true);
    } finally {
      Socket.prototype._writev = writev;
      Socket.prototype._write = write;
    }
  });

  it('a retried client_msg_id is acknowledged again with the stored message, not stored twice', async () => {
    const socket = await connect('/ws', { token: alice.token });
    const frame = {
      type: 'chat_message',
      conversation_id: conversation.id,
      content: 'once',
      client_msg_id: 'ws-retry',
    };
    socket.send(frame);
    const first = await socket.next('message_sent', (f) => f.client_msg_id === 'ws-retry');
    socket.send(frame);
    const second = await socket.next('message_sent', (f) => f.client_msg_id === 'ws-retry');
    expect(second.message_id).toBe(first.message_id);
    expect(second.seq).toBe(first.seq);
  });

  it('accepts the seed Django Channels client’s frame on /ws/chat/:id/ and delivers it', async () => {
    const legacy = await connect(`/ws/chat/${conversation.id}/`, { token: bob.token });
    const aliceSocket = await connect('/ws', { token: alice.token });
    legacy.send({ type: 'chat_message', content: 'Hello doctor', attachments: null });
    const delivered = await aliceSocket.next('chat_message', (f) => f.content === 'Hello doctor');
    expect(delivered).toMatchObject({ sender_id: bob.user.id, conversation_id: conversation.id });
    expect(delivered.client_msg_id).toBeTruthy();
    // The seed client draws its own message from the chat_message echo, as Django's room did.
    const echo = await legacy.next('chat_message', (f) => f.message_id === delivered.message_id);
    expect(echo.content).toBe('Hello doctor');
    // Its typing and read receipt frames (no conversation_id) work too.
    legacy.send({ type: 'typing_indicator', is_typing: true });
    const typing = await aliceSocket.next('typing_indicator');
    expect(typing).toMatchObject({
      conversation_id: conversation.id,
      user_id: bob.user.id,
      username: 'Bob',
      is_typing: true,
    });
    aliceSocket.send({
      type: 'chat_message',
      conversation_id: conversation.id,
      content: 'Hi Bob',
      client_msg_id: 'to-legacy',
    });
    const incoming = await legacy.next('chat_message', (f) => f.content === 'Hi Bob');
    legacy.send({ type: 'read_receipt', message_id: incoming.message_id });
    const receipt = await aliceSocket.next('read_receipt', (f) => f.user_id === bob.user.id);
    expect(receipt).toMatchObject({
      conversation_id: conversation.id,
      seq: incoming.seq,
      message_id: incoming.message_id,
    });
  });

  it('a per-conversation socket carries only its conversation', async () => {
    const dan = await registerUser(server.url, { name: 'Dan' });
    const other = await openConversation(server.url, dan, bob);
    const scoped = await connect(`/ws/chat/${conversation.id}/`, { token: bob.token });
    await sendHttp(server.url, dan, other.id, 'elsewhere');
    await sendHttp(server.url, alice, conversation.id, 'here');
    await scoped.next('chat_message', (f) => f.content === 'here');
    expect(scoped.frames.some((f) => f.type === 'chat_message' && f.content === 'elsewhere')).toBe(false);
    scoped.send({
      type: 'chat_message',
      conversation_id: other.id,
      content: 'wrong socket',
      client_msg_id: 'scoped-x',
    });
    expect(await scoped.next('error')).toMatchObject({ code: 'invalid_request', ref: 'scoped-x' });
  });

  it('a new conversation reaches the other side live, without joining anything', async () => {
    const gina = await registerUser(server.url, { name: 'Gina' });
    const ginaSocket = await connect('/ws', { token: gina.token });
    const created = await openConversation(server.url, alice, gina);
    const announced = await ginaSocket.next('conversation_created');
    expect(announced.conversation.id).toBe(created.id);
    expect(await ginaSocket.next('conversation_refresh')).toMatchObject({ conversation_id: created.id });
    await sendHttp(server.url, alice, created.id, 'Welcome, Gina');
    expect(await ginaSocket.next('chat_message')).toMatchObject({
      conversation_id: created.id,
      content: 'Welcome, Gina',
      seq: 1,
    });
  });

  it('resume replays exactly the messages after each cursor, in order, then resumed', async () => {
    const hal = await registerUser(server.url, { name: 'Hal' });
    const c = await openConversation(server.url, alice, hal);
    for (let i = 1; i <= 12; i++) await sendHttp(server.url, alice, c.id, `m${i}`);
    const socket = await connect('/ws', { token: hal.token });
    socket.send({ type: 'resume', cursors: { [c.id]: 7 } });
    const resumed = await socket.next('resumed');
    expect(resumed.cursors).toEqual({ [c.id]: 12 });
    const replayed = socket.frames.filter(
      (f): f is Extract<typeof f, { type: 'chat_message' }> => f.type === 'chat_message',
    );
    expect(replayed.map((f) => f.seq)).toEqual([8, 9, 10, 11, 12]);
    // Live messages after the resume continue the sequence, once each.
    await sendHttp(server.url, alice, c.id, 'm13');
    await socket.next('chat_message', (f) => f.seq === 13);
    const seqs = socket.frames.flatMap((f) => (f.type === 'chat_message' ? [f.seq] : []));
    expect(seqs).toEqual([8, 9, 10, 11, 12, 13]);
  });

  it('resume refuses a conversation the user is not in, and still resumes the rest', async () => {
    const socket = await connect('/ws', { token: eve.token });
    const eveChat = await openConversation(server.url, eve, alice);
    await sendHttp(server.url, alice, eveChat.id, 'for eve');
    socket.send({ type: 'resume', cursors: { [conversation.id]: 0, [eveChat.id]: 0 } });
    const error = await socket.next('error');
    expect(error).toMatchObject({ code: 'not_participant', ref: conversation.id });
    const resumed = await socket.next('resumed');
    expect(resumed.cursors).toEqual({ [eveChat.id]: 1 });
    expect(
      socket.frames.some((f) => f.type === 'chat_message' && f.conversation_id === conversation.id),
    ).toBe(false);
  });

  it('a non-participant cannot send into, mark read, or type in a conversation', async () => {
    const socket = await connect('/ws', { token: eve.token });
    socket.send({
      type: 'chat_message',
      conversation_id: conversation.id,
      content: 'intrude',
      client_msg_id: 'eve-1',
    });
    expect(await socket.next('error')).toMatchObject({ code: 'not_participant', ref: 'eve-1' });
    socket.send({ type: 'read_receipt', conversation_id: conversation.id, seq: 1 });
    expect(await socket.next('error')).toMatchObject({ code: 'not_participant' });
    socket.send({ type: 'typing_indicator', conversation_id: conversation.id, is_typing: true });
    expect(await socket.next('error')).toMatchObject({ code: 'not_participant' });
  });

  it('edits and deletes reach every participant device; others may not change a message', async () => {
    const aliceSocket = await connect('/ws', { token: alice.token });
    const bobSocket = await connect('/ws', { token: bob.token });
    aliceSocket.send({
      type: 'chat_message',
      conversation_id: conversation.id,
      content: 'dose: 5mg',
      client_msg_id: 'edit-me',
    });
    const sent = await aliceSocket.next('message_sent', (f) => f.client_msg_id === 'edit-me');
    bobSocket.send({ type: 'edit_message', message_id: sent.message_id, content: 'dose: 50mg' });
    expect(await bobSocket.next('error')).toMatchObject({ code: 'forbidden', ref: sent.message_id });
    aliceSocket.send({ type: 'edit_message', message_id: sent.message_id, content: 'dose: 10mg' });
    expect(await bobSocket.next('message_edited')).toMatchObject({
      message_id: sent.message_id,
      content: 'dose: 10mg',
      is_edited: true,
    });
    aliceSocket.send({ type: 'delete_message', message_id: sent.message_id });
    expect(await bobSocket.next('message_deleted')).toMatchObject({
      message_id: sent.message_id,
      content: '',
    });
  });

  it('bad input gets a typed error and the connection stays usable; nothing is stored', async () => {
    const socket = await connect('/ws', { token: alice.token });
    const before = (
      await request<{ conversation: Conversation }>(
        server.url,
        'GET',
        `/api/conversations/${conversation.id}`,
        { token: alice.token },
      )
    ).body.conversation.last_seq;
    const cases: Array<[unknown, string]> = [
      ['{not json', 'invalid_request'],
      [{ type: 'no_such_frame' }, 'invalid_request'],
      [{ content: 'no type' }, 'invalid_request'],
      [{ type: 'chat_message', conversation_id: conversation.id }, 'invalid_request'],
      [{ type: 'chat_message', conversation_id: conversation.id, content: 42 }, 'invalid_request'],
      [{ type: 'chat_message', content: 'no conversation on /ws' }, 'invalid_request'],
      [{ type: 'chat_message', conversation_id: 'cnv_unknown', content: 'hi' }, 'not_participant'],
      [
        { type: 'chat_message', conversation_id: conversation.id, content: 'x'.repeat(8 * 1024 + 1) },
        'message_too_large',
      ],
      [{ type: 'read_receipt', conversation_id: conversation.id }, 'invalid_request'],
      [{ type: 'resume', cursors: { [conversation.id]: -1 } }, 'invalid_request'],
      [[1, 2, 3], 'invalid_request'],
      ['null', 'invalid_request'],
    ];
    for (const [frame, code] of cases) {
      socket.send(frame);
      expect(await socket.next('error')).toMatchObject({ code });
    }
    expect(socket.isOpen).toBe(true);
    const after = (
      await request<{ conversation: Conversation }>(
        server.url,
        'GET',
        `/api/conversations/${conversation.id}`,
        { token: alice.token },
      )
    ).body.conversation.last_seq;
    expect(after).toBe(before);
  });

  it('survives 1,000 random malformed frames, then delivers a valid message', async () => {
    const socket = await connect('/ws', { token: alice.token });
    const bobSocket = await connect('/ws', { token: bob.token });
    const random = seeded(42);
    const pieces = [
      '{',
      '}',
      '"type"',
      ':',
      '"chat_message"',
      ',',
      '"content"',
      '"x"',
      'null',
      '[',
      ']',
      '1e999',
      '"conversation_id"',
      `"${conversation.id}"`,
      'true',
      '"resume"',
      '"cursors"',
      '{}',
      '-1',
      '"\\u0000"',
    ];
    for (let i = 0; i < 1000; i++) {
      const length = 1 + Math.floor(random() * 12);
      let text = '';
      for (let j = 0; j < length; j++) text += pieces[Math.floor(random() * pieces.length)];
      socket.send(text);
      // A connection may have 1,000 frames waiting; on a loaded machine 1,001 sent at once can
      // legitimately meet rate_limited, so the fuzz goes in two halves.
      if (i === 499) await socket.roundTrip();
    }
    // Every frame gets exactly one answer. Wait for them all: a connection holds at most 1,000
    // frames waiting, so on a slow machine a 1,001st sent at once is (rightly) rate_limited.
    // (Presence news and the half-way pong are not answers to fuzz frames.)
    const answers = () => socket.frames.filter((f) => f.type !== 'user_status' && f.type !== 'pong').length;
    const deadline = Date.now() + 20_000;
    while (answers() < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(answers()).toBe(1000);
    socket.send({
      type: 'chat_message',
      conversation_id: conversation.id,
      content: 'still here',
      client_msg_id: 'after-fuzz',
    });
    await socket.next('message_sent', (f) => f.client_msg_id === 'after-fuzz', 20_000);
    await bobSocket.next('chat_message', (f) => f.client_msg_id === 'after-fuzz');
    expect((await request(server.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('answers ping with pong', async () => {
    const socket = await connect('/ws', { token: bob.token });
    socket.send({ type: 'ping' });
    expect(await socket.next('pong')).toEqual({ type: 'pong' });
  });
});

/** A small deterministic PRNG (mulberry32) so the fuzz input is the same every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
