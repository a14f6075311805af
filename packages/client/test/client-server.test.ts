import type { Conversation, ConversationCreatedEvent } from '@carechat/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../server/test/helpers/dialects.js';
import { openConversation, registerUser, sendHttp, type TestUser } from '../../server/test/helpers/http.js';
import { startServer, type TestServer } from '../../server/test/helpers/server.js';
import type { ClientOptions } from '../src/client.js';
import { ManualNetwork } from '../src/platform.js';
import type { TransportName } from '../src/transports/transport.js';
import { ChaosProxy } from './helpers/chaos-proxy.js';
import { BlockedWebSocket, MapStorage, RecordingClient } from './helpers/clients.js';

/** The SDK against a real server, over each transport, on each database. */

const FAST = {
  backoff: { baseMs: 50, maxMs: 500 },
  heartbeat: { intervalMs: 2000, timeoutMs: 2000 },
  gapWaitMs: 100,
  pollTimeoutMs: 5000,
} satisfies Partial<ClientOptions>;

describe.each(DIALECTS)('SDK against a real server on %s', (dialect) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  const clients: RecordingClient[] = [];
  const proxies: ChaosProxy[] = [];

  function client(user: TestUser, options: Partial<ClientOptions> = {}): RecordingClient {
    const c = new RecordingClient({ baseUrl: server.url, token: user.token, ...FAST, ...options });
    clients.push(c);
    return c;
  }
  async function proxy(): Promise<ChaosProxy> {
    const p = await ChaosProxy.start(Number(new URL(server.url).port));
    proxies.push(p);
    return p;
  }

  beforeAll(async () => {
    server = await startServer({ dialect });
    [alice, bob] = await Promise.all([
      registerUser(server.url, { name: 'Alice', role: 'practitioner' }),
      registerUser(server.url, { name: 'Bob' }),
    ]);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await server.close();
  });

  describe.each<TransportName>(['websocket', 'sse', 'long-poll'])('over %s', (transport) => {
    let conversation: Conversation;
    let carol: TestUser;

    beforeAll(async () => {
      carol = await registerUser(server.url, { name: `Carol ${transport}` });
      conversation = await openConversation(server.url, alice, carol);
    });

    it('exchanges messages: every send resolves with the stored message; each side gets each once, in order', async () => {
      const a = client(alice, { transports: [transport] });
      const b = client(carol, { transports: [transport] });
      await Promise.all([a.client.conversations(), b.client.conversations()]);
      await Promise.all([a.synced(), b.synced()]);
      const sends = [];
      for (let i = 1; i <= 15; i++) {
        sends.push(a.client.send(conversation.id, `from alice ${i}`));
        sends.push(b.client.send(conversation.id, `from bob ${i}`));
      }
      const stored = await Promise.all(sends);
      expect(new Set(stored.map((m) => m.seq)).size).toBe(30);
      await Promise.all([
        a.until(() => a.in(conversation.id).length === 30, 'alice gets 30'),
        b.until(() => b.in(conversation.id).length === 30, 'bob gets 30'),
      ]);
      for (const side of [a, b]) {
        const seqs = side.in(conversation.id).map((m) => m.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(new Set(side.in(conversation.id).map((m) => m.message_id)).size).toBe(30);
      }
      expect(a.in(conversation.id).map((m) => m.message_id)).toEqual(
        b.in(conversation.id).map((m) => m.message_id),
      );
      expect(a.client.conversation(conversation.id).messages).toHaveLength(30);
      // Every client reports which transport it is on.
      expect(a.client.transport).toBe(transport);
    });

    it('after the connection is cut, resumes from the last seq held: the missed messages once each', async () => {
      const p = await proxy();
      const b = client(carol, { transports: [transport], baseUrl: p.url });
      await b.client.conversations();
      await b.synced();
      const start = b.client.conversation(conversation.id).lastSeq ?? 0;
      await sendHttp(server.url, alice, conversation.id, 'before the cut');
      await b.until(() => b.in(conversation.id).length === 1, 'first message');
      p.setBlackhole(true);
      for (let i = 0; i < 5; i++) await sendHttp(server.url, alice, conversation.id, `while away ${i}`);
      p.setBlackhole(false);
      await b.until(() => b.in(conversation.id).length === 6, 'the missed five');
      expect(b.in(conversation.id).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6].map((n) => start + n));
      await b.until(() => b.syncs.length >= 2, 'a second sync');
      expect(b.syncs.at(-1)).toMatchObject({ recovered: true, transport });
    });
  });

  it('falls back to SSE by itself when WebSockets cannot connect', async () => {
    const c = await openConversation(server.url, alice, bob);
    BlockedWebSocket.attempts = 0;
    const b = client(bob, { WebSocket: BlockedWebSocket as never, fallbackAfter: 2 });
    await b.client.conversations();
    await b.synced();
    expect(b.client.transport).toBe('sse');
    expect(BlockedWebSocket.attempts).toBe(2);
    await sendHttp(server.url, alice, c.id, 'through the fallback');
    await b.until(() => b.in(c.id).some((m) => m.content === 'through the fallback'), 'the message');
    await expect(b.client.send(c.id, 'and back')).resolves.toMatchObject({ content: 'and back' });
  });

  it('the outbox survives a reload: sends made offline go out when the next page load connects', async () => {
    const fay = await registerUser(server.url, { name: 'Fay' });
    const c = await openConversation(server.url, alice, fay);
    const storage = new MapStorage();
    const offline = new ManualNetwork(false);
    const first = client(alice, { storage, storageKey: 'outbox:alice', network: offline });
    expect(first.client.state).toBe('offline');
    void first.client.send(c.id, 'one').catch(() => {});
    void first.client.send(c.id, 'two').catch(() => {});
    expect(first.client.conversation(c.id).pending.map((e) => e.status)).toEqual(['pending', 'pending']);
    first.close();
    expect(storage.map.get('outbox:alice')).toContain('"content":"two"');

    const b = client(fay);
    await b.client.track(c.id, 0);
    const second = client(alice, { storage, storageKey: 'outbox:alice' });
    const ids = second.client.outbox.entries.map((e) => e.client_msg_id);
    const stored = await Promise.all(ids.map((id) => second.client.outbox.wait(id)));
    expect(stored.map((m) => m.content)).toEqual(['one', 'two']);
    await b.until(() => b.in(c.id).length === 2, 'both messages');
    expect(b.in(c.id).map((m) => m.content)).toEqual(['one', 'two']);
    expect(storage.map.has('outbox:alice')).toBe(false);
  });

  it('tracks a conversation from its history, then live; loads older pages on request', async () => {
    const dan = await registerUser(server.url, { name: 'Dan' });
    const c = await openConversation(server.url, alice, dan);
    for (let i = 1; i <= 60; i++) await sendHttp(server.url, alice, c.id, `m${i}`);
    const d = client(dan);
    expect(await d.client.track(c.id, 50)).toBe('ok');
    expect(d.in(c.id).map((m) => m.seq)).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);
    const view = d.client.conversation(c.id);
    expect(await view.loadOlder(20)).toBe(true);
    expect(view.messages[0]?.seq).toBe(31);
    expect(await view.loadOlder(50)).toBe(false);
    expect(view.messages.map((m) => m.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    await d.synced();
    await sendHttp(server.url, alice, c.id, 'live');
    await d.until(() => d.in(c.id).length === 11, 'the live one');
    // History pages are not announced as new messages.
    expect(d.messages.every((m) => m.seq > 50)).toBe(true);
  });

  it('a conversation created while offline is announced on reconnect, with its messages', async () => {
    const eli = await registerUser(server.url, { name: 'Eli' });
    const network = new ManualNetwork(true);
    const e = client(eli, { network });
    const created: ConversationCreatedEvent[] = [];
    e.client.on('conversation_created', (f) => created.push(f));
    await e.client.conversations();
    await e.synced();
    network.set(false);
    const c = await openConversation(server.url, alice, eli);
    await sendHttp(server.url, alice, c.id, 'hello Eli');
    await sendHttp(server.url, alice, c.id, 'are you there?');
    network.set(true);
    await e.until(() => e.in(c.id).length === 2, 'the two messages');
    expect(created.map((f) => f.conversation.id)).toEqual([c.id]);
    expect(e.in(c.id).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('asks the token provider again when the server refuses the token', async () => {
    const c = await openConversation(server.url, alice, bob);
    const reasons: string[] = [];
    const b = client(bob, {
      token: undefined,
      getToken: async ({ reason }) => {
        reasons.push(reason);
        return reasons.length === 1 ? 'expired-or-forged' : bob.token;
      },
    });
    await b.client.track(c.id, 0);
    await b.synced();
    // The socket and the history request may each be refused once, and each asks again.
    expect(reasons[0]).toBe('initial');
    expect(reasons.slice(1).every((r) => r === 'refused')).toBe(true);
    expect(reasons.length).toBeGreaterThan(1);
    expect(b.client.state).toBe('connected');
  });

  it('the same access rules as /ws: no tracking or sending into someone else’s conversation', async () => {
    const c = await openConversation(server.url, alice, bob);
    const eve = await registerUser(server.url, { name: 'Eve' });
    const e = client(eve);
    expect(await e.client.track(c.id, 0)).toBe('lost');
    await expect(e.client.send(c.id, 'intrude')).rejects.toMatchObject({ code: 'not_participant' });
    expect(e.client.outbox.entries).toMatchObject([{ status: 'failed', error: { code: 'not_participant' } }]);
  });
});
