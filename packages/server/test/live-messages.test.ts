import type { Conversation, HistoryResponse, Message } from '@carechat/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

// Also on a SQLite file, as in production: appends and receipts' markers go through the writer thread.
const SETUPS = [
  ...DIALECTS.map((dialect) => ({ dialect, sqliteFile: false, name: dialect })),
  { dialect: 'sqlite' as const, sqliteFile: true, name: 'a SQLite file' },
];

describe.each(SETUPS)(
  'receipts, unread counts, edits, replies, reactions, mute and pin on $name',
  ({ dialect, sqliteFile }) => {
    let server: TestServer;
    const clock = new ManualClock(new Date());
    let sockets: TestSocket[] = [];
    const connect = async (user: TestUser) => {
      const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: user.token });
      sockets.push(socket);
      return socket;
    };
    const history = async (user: TestUser, c: { id: string }) =>
      (
        await request<HistoryResponse>(server.url, 'GET', `/api/conversations/${c.id}/messages?limit=200`, {
          token: user.token,
        })
      ).body.messages;
    const listOf = async (user: TestUser) =>
      (
        await request<{ conversations: Conversation[]; unread_total: number }>(
          server.url,
          'GET',
          '/api/conversations',
          { token: user.token },
        )
      ).body;

    beforeAll(async () => {
      server = await startServer({ dialect, sqliteFile, clock, env: { EDIT_WINDOW_SECONDS: '600' } });
    });
    afterEach(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      sockets = [];
    });
    afterAll(() => server.close());

    async function pair() {
      const [a, b] = await Promise.all([
        registerUser(server.url, { name: 'Ada', role: 'practitioner' }),
        registerUser(server.url, { name: 'Ben' }),
      ]);
      return { a, b, c: await openConversation(server.url, a, b) };
    }

    it('status per message for its sender: sent, then delivered, then read — in history and live', async () => {
      const { a, b, c } = await pair();
      const [aSocket, bSocket] = await Promise.all([connect(a), connect(b)]);
      aSocket.send({
        type: 'chat_message',
        conversation_id: c.id,
        content: 'lab results attached',
        client_msg_id: 'st-1',
      });
      const sent = await aSocket.next('message_sent');
      expect(sent).toMatchObject({ delivered_to: [], read_by: [] });
      const got = await bSocket.next('chat_message');
      bSocket.send({ type: 'delivery_receipt', conversation_id: c.id, seq: got.seq });
      expect(await aSocket.next('delivery_receipt')).toMatchObject({
        conversation_id: c.id,
        user_id: b.user.id,
        seq: got.seq,
      });
      expect((await history(a, c))[0]).toMatchObject({ delivered_to: [b.user.id], read_by: [] });
      bSocket.send({ type: 'read_receipt', conversation_id: c.id, seq: got.seq });
      expect(await aSocket.next('read_receipt')).toMatchObject({
        user_id: b.user.id,
        seq: got.seq,
        message_id: got.message_id,
      });
      expect((await history(a, c))[0]).toMatchObject({ delivered_to: [b.user.id], read_by: [b.user.id] });
    });

    it('read_by and delivered_to per participant in a group', async () => {
      const [a, b, d] = await Promise.all([
        registerUser(server.url, { name: 'Ada', role: 'practitioner' }),
        registerUser(server.url, { name: 'Ben' }),
        registerUser(server.url, { name: 'Dee', role: 'practitioner' }),
      ]);
      const group = await openConversation(server.url, b, a, d);
      await sendHttp(server.url, b, group.id, 'to my care team');
      await request(server.url, 'POST', `/api/conversations/${group.id}/read`, {
        token: d.token,
        body: { seq: 1 },
      });
      await request(server.url, 'POST', `/api/conversations/${group.id}/delivered`, {
        token: a.token,
        body: { seq: 1 },
      });
      const [message] = await history(b, group);
      expect(message?.read_by).toEqual([d.user.id]);
      expect([...(message?.delivered_to ?? [])].sort()).toEqual([a.user.id, d.user.id].sort());
    });

    it('read markers move forward only', async () => {
      const { a, b, c } = await pair();
      for (let i = 1; i <= 3; i++) await sendHttp(server.url, a, c.id, `m${i}`);
      const bSocket = await connect(b);
      bSocket.send({ type: 'read_receipt', conversation_id: c.id, seq: 3 });
      await bSocket.next('read_receipt');
      bSocket.send({ type: 'read_receipt', conversation_id: c.id, seq: 1 });
      await bSocket.roundTrip();
      expect(bSocket.all('read_receipt')).toHaveLength(1);
      const conversation = (await listOf(b)).conversations.find((x) => x.id === c.id);
      expect(conversation?.participants.find((p) => p.user.id === b.user.id)?.last_read_seq).toBe(3);
    });

    it('unread counts are exact across devices, reconnects and one’s own messages', async () => {
      const { a, b, c } = await pair();
      const other = await openConversation(
        server.url,
        b,
        await registerUser(server.url, { role: 'practitioner' }),
      );
      const [bPhone, bLaptop] = await Promise.all([connect(b), connect(b)]);
      for (let i = 1; i <= 4; i++) await sendHttp(server.url, a, c.id, `news ${i}`);
      await sendHttp(server.url, b, other.id, 'my own message'); // never unread for b
      let list = await listOf(b);
      expect(list.conversations.find((x) => x.id === c.id)?.unread_count).toBe(4);
      expect(list.conversations.find((x) => x.id === other.id)?.unread_count).toBe(0);
      expect(list.unread_total).toBe(4);
      // Reading on the phone updates the laptop.
      bPhone.send({ type: 'read_receipt', conversation_id: c.id, seq: 3 });
      expect(await bLaptop.next('read_receipt')).toMatchObject({ user_id: b.user.id, seq: 3 });
      expect(await bLaptop.next('unread_changed')).toEqual({
        type: 'unread_changed',
        conversation_id: c.id,
        unread_count: 1,
        total_unread: 1,
      });
      // After a reconnect the server still knows.
      await bPhone.close();
      await bLaptop.close();
      await sendHttp(server.url, a, c.id, 'while you were away');
      list = await listOf(b);
      expect(list.conversations.find((x) => x.id === c.id)?.unread_count).toBe(2);
      expect((await request(server.url, 'GET', '/api/unread', { token: b.token })).body).toEqual({
        total: 2,
        conversations: { [c.id]: 2, [other.id]: 0 },
      });
      // Replying reads everything before it.
      await sendHttp(server.url, b, c.id, 'thanks');
      expect((await listOf(b)).unread_total).toBe(0);
    });

    it('edits and deletes: sender only, within the window, with server-side history', async () => {
      const { a, b, c } = await pair();
      const [aSocket, bSocket] = await Promise.all([connect(a), connect(b)]);
      const { body } = await sendHttp(server.url, a, c.id, 'take 5 mg');
      const id = body.message.message_id;
      aSocket.send({ type: 'edit_message', message_id: id, content: 'take 10 mg' });
      expect(await bSocket.next('message_edited')).toMatchObject({
        message_id: id,
        content: 'take 10 mg',
        is_edited: true,
      });
      expect(await aSocket.next('message_edited')).toMatchObject({ message_id: id });
      bSocket.send({ type: 'delete_message', message_id: id });
      expect(await bSocket.next('error')).toMatchObject({ code: 'forbidden', ref: id });
      const edits = await server.store.listMessageEdits(id);
      expect(edits.map((e) => [e.kind, e.previousContent])).toEqual([['edit', 'take 5 mg']]);

      clock.advance(601_000);
      try {
        aSocket.send({ type: 'edit_message', message_id: id, content: 'too late' });
        expect(await aSocket.next('error')).toMatchObject({ code: 'forbidden' });
      } finally {
        clock.set(new Date());
      }
      aSocket.send({ type: 'delete_message', message_id: id });
      expect(await bSocket.next('message_deleted')).toMatchObject({
        message_id: id,
        content: '',
        is_deleted: true,
      });
      const [shown] = await history(b, c);
      expect(shown).toMatchObject({ content: '', is_deleted: true, is_edited: true });
      expect((await server.store.listMessageEdits(id)).map((e) => e.kind)).toEqual(['edit', 'delete']);
    });

    it('a reply carries the quoted message’s id, seq and a snippet', async () => {
      const { a, b, c } = await pair();
      const bSocket = await connect(b);
      const quoted = (
        await sendHttp(
          server.url,
          b,
          c.id,
          `Is it normal to feel dizzy ${'after the first dose '.repeat(10)}`,
        )
      ).body.message;
      const aSocket = await connect(a);
      aSocket.send({
        type: 'chat_message',
        conversation_id: c.id,
        content: 'Yes, for a day or two.',
        client_msg_id: 'r-1',
        reply_to: quoted.message_id,
      });
      const reply = await bSocket.next('chat_message');
      expect(reply.reply_to).toBe(quoted.message_id);
      expect(reply.reply_preview).toMatchObject({
        message_id: quoted.message_id,
        seq: quoted.seq,
        sender_id: b.user.id,
        sender_name: 'Ben',
        is_deleted: false,
      });
      expect(reply.reply_preview?.snippet.length).toBe(120);
      expect(quoted.content.startsWith(reply.reply_preview?.snippet ?? 'x')).toBe(true);
      aSocket.send({
        type: 'chat_message',
        conversation_id: c.id,
        content: 'bad',
        client_msg_id: 'r-2',
        reply_to: 'msg_elsewhere',
      });
      expect(await aSocket.next('error')).toMatchObject({ code: 'invalid_request', ref: 'r-2' });
    });

    it('reactions: add and remove per user, live frames, counts and "mine" in history', async () => {
      const { a, b, c } = await pair();
      const [aSocket, bSocket] = await Promise.all([connect(a), connect(b)]);
      const { body } = await sendHttp(server.url, a, c.id, 'Appointment moved to 3pm');
      const id = body.message.message_id;
      bSocket.send({ type: 'add_reaction', message_id: id, emoji: '👍' });
      clock.advance(1000);
      expect(await aSocket.next('reaction_added')).toEqual({
        type: 'reaction_added',
        conversation_id: c.id,
        message_id: id,
        user_id: b.user.id,
        emoji: '👍',
      });
      bSocket.send({ type: 'add_reaction', message_id: id, emoji: '👍' }); // twice: still one
      aSocket.send({ type: 'add_reaction', message_id: id, emoji: '👍' });
      await bSocket.next('reaction_added', (f) => f.user_id === a.user.id);
      clock.advance(1000);
      const put = await request(
        server.url,
        'PUT',
        `/api/messages/${id}/reactions/${encodeURIComponent('❤️')}`,
        { token: b.token },
      );
      expect(put.status).toBe(204);
      await aSocket.next('reaction_added', (f) => f.emoji === '❤️');
      const seenByA = (await history(a, c)).find((m: Message) => m.message_id === id);
      expect(seenByA?.reactions).toEqual([
        { emoji: '👍', count: 2, mine: true },
        { emoji: '❤️', count: 1, mine: false },
      ]);
      bSocket.send({ type: 'remove_reaction', message_id: id, emoji: '👍' });
      expect(await aSocket.next('reaction_removed')).toMatchObject({ user_id: b.user.id, emoji: '👍' });
      const seenByB = (await history(b, c)).find((m: Message) => m.message_id === id);
      expect(seenByB?.reactions).toEqual([
        { emoji: '👍', count: 1, mine: false },
        { emoji: '❤️', count: 1, mine: true },
      ]);
      bSocket.send({ type: 'add_reaction', message_id: id, emoji: 'lol' });
      expect(await bSocket.next('error')).toMatchObject({ code: 'invalid_request' });
      const outsider = await registerUser(server.url);
      const denied = await request(
        server.url,
        'PUT',
        `/api/messages/${id}/reactions/${encodeURIComponent('👍')}`,
        { token: outsider.token },
      );
      expect(denied).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    });

    it('mute and pin are per participant; muted conversations produce no notifications', async () => {
      const { a, b, c } = await pair();
      const quiet = await openConversation(
        server.url,
        b,
        await registerUser(server.url, { role: 'practitioner' }),
      );
      const muted = await request<{ conversation: Conversation }>(
        server.url,
        'PATCH',
        `/api/conversations/${c.id}`,
        {
          token: b.token,
          body: { muted: true },
        },
      );
      expect(muted.body.conversation).toMatchObject({ muted: true, pinned: false });
      await request(server.url, 'PATCH', `/api/conversations/${quiet.id}`, {
        token: b.token,
        body: { pinned: true },
      });
      const bSocket = await connect(b);
      const aSocket = await connect(a);
      await sendHttp(server.url, a, c.id, 'muted one');
      await bSocket.next('chat_message');
      await bSocket.roundTrip();
      expect(bSocket.all('notification')).toHaveLength(0);
      // Still unread in its own count, but a muted conversation stays out of the total (unreadTotal).
      expect((await request(server.url, 'GET', '/api/unread', { token: b.token })).body).toEqual({
        total: 0,
        conversations: { [c.id]: 1, [quiet.id]: 0 },
      });
      // For a, who did not mute, b's message notifies — without its content.
      await sendHttp(server.url, b, c.id, 'the content stays private');
      const note = await aSocket.next('notification');
      expect(note).toEqual({
        type: 'notification',
        conversation_id: c.id,
        message_id: expect.any(String),
        seq: 2,
        sender_id: b.user.id,
        sender_name: 'Ben',
      });
      const list = await listOf(b);
      expect(list.conversations[0]).toMatchObject({ id: quiet.id, pinned: true });
      expect(list.conversations.find((x) => x.id === c.id)).toMatchObject({ muted: true });
      expect((await listOf(a)).conversations.find((x) => x.id === c.id)).toMatchObject({ muted: false });
      const bad = await request(server.url, 'PATCH', `/api/conversations/${c.id}`, {
        token: b.token,
        body: {},
      });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    });
  },
);
