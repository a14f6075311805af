import { MAX_RESUME_CONVERSATIONS, type Message, type ServerFrame } from '@carechat/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CarechatClient, type ClientOptions } from '../src/client.js';
import type { StateChange, SyncReport } from '../src/events.js';
import { ManualNetwork } from '../src/platform.js';
import { testMessage } from './helpers/fixtures.js';
import { ManualTimers, settle } from './helpers/manual-timers.js';
import { ScriptedSocket } from './helpers/scripted-socket.js';

/**
 * The connection state machine on a scripted WebSocket and a hand-moved clock: every delay is
 * checked by ticking to one millisecond before it (nothing happens) and then one more.
 */

// random() = 0.5 with full jitter: delay = ceiling / 2, so base 1000 gives 500, 1000, 2000…
const BACKOFF = { baseMs: 1000, maxMs: 8000, stableMs: 10_000 };
const HEARTBEAT = { intervalMs: 20_000, timeoutMs: 5000 };

const message = testMessage;
const chat = (seq: number, extra: Partial<Message> = {}): ServerFrame => ({
  type: 'chat_message',
  ...message(seq, extra),
});

describe('client connection lifecycle (scripted socket, manual clock)', () => {
  let timers: ManualTimers;
  let network: ManualNetwork;
  let clients: CarechatClient[];
  let states: StateChange[];

  function client(options: Partial<ClientOptions> = {}): CarechatClient {
    const c = new CarechatClient({
      baseUrl: 'http://carechat.test',
      token: 'token-1',
      transports: ['websocket'],
      WebSocket: ScriptedSocket,
      fetch: async () => {
        throw new Error('no HTTP in this test');
      },
      timers,
      random: () => 0.5,
      network,
      backoff: BACKOFF,
      heartbeat: HEARTBEAT,
      ...options,
    });
    c.on('state', (s) => states.push(s));
    clients.push(c);
    return c;
  }
  const transitions = () => states.map((s) => `${s.from}>${s.to}`);

  beforeEach(() => {
    ScriptedSocket.reset();
    timers = new ManualTimers();
    network = new ManualNetwork(true);
    clients = [];
    states = [];
  });
  afterEach(() => {
    for (const c of clients) c.close();
  });

  it('connects, and after a drop reconnects after exactly the backoff delay', async () => {
    const c = client({ autoConnect: false });
    expect(c.state).toBe('disconnected');
    c.connect();
    expect(c.state).toBe('connecting');
    await settle();
    expect(ScriptedSocket.last.url).toBe('ws://carechat.test/ws?token=token-1');
    ScriptedSocket.last.open();
    expect(c.state).toBe('connected');
    ScriptedSocket.last.drop(1012, 'service restart');
    expect(states.at(-1)).toMatchObject({
      from: 'connected',
      to: 'reconnecting',
      code: 1012,
      reason: 'service restart',
    });
    await timers.advance(499);
    expect(ScriptedSocket.instances).toHaveLength(1);
    await timers.advance(1);
    expect(ScriptedSocket.instances).toHaveLength(2);
    ScriptedSocket.last.open();
    expect(transitions()).toEqual([
      'disconnected>connecting',
      'connecting>connected',
      'connected>reconnecting',
      'reconnecting>connected',
    ]);
  });

  it('backs off exponentially while attempts fail, capped, and resets after a stable connection', async () => {
    client();
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const count = ScriptedSocket.instances.length;
      ScriptedSocket.last.drop(1006);
      let waited = 0;
      while (ScriptedSocket.instances.length === count) {
        await timers.advance(1);
        waited += 1;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    // Connected for less than stableMs: the next delay keeps growing (capped here).
    ScriptedSocket.last.open();
    await timers.advance(BACKOFF.stableMs - 1);
    ScriptedSocket.last.drop(1006);
    await timers.advance(3999);
    expect(ScriptedSocket.instances).toHaveLength(7);
    await timers.advance(1);
    expect(ScriptedSocket.instances).toHaveLength(8);
    // Connected for stableMs: the backoff starts over.
    ScriptedSocket.last.open();
    await timers.advance(BACKOFF.stableMs);
    ScriptedSocket.last.drop(1006);
    await timers.advance(499);
    expect(ScriptedSocket.instances).toHaveLength(8);
    await timers.advance(1);
    expect(ScriptedSocket.instances).toHaveLength(9);
  });

  it('heartbeat: pings after silence and replaces a connection that does not answer (half-open)', async () => {
    const c = client();
    await settle();
    const socket = ScriptedSocket.last;
    socket.open();
    await timers.advance(HEARTBEAT.intervalMs - 1);
    expect(socket.sentOfType('ping')).toHaveLength(0);
    await timers.advance(1);
    expect(socket.sentOfType('ping')).toHaveLength(1);
    // An answer keeps it.
    socket.receive({ type: 'pong' });
    await timers.advance(HEARTBEAT.intervalMs + HEARTBEAT.timeoutMs - 1);
    expect(c.state).toBe('connected');
    expect(socket.sentOfType('ping')).toHaveLength(2);
    // No answer: dead after timeoutMs.
    await timers.advance(1);
    expect(c.state).toBe('reconnecting');
    expect(states.at(-1)).toMatchObject({ code: 4408, reason: 'heartbeat timeout' });
    expect(socket.closedByClient).toBe(true);
  });

  it('resumes from the last seq held and hands each message over once, in order', async () => {
    const c = client();
    const got: number[] = [];
    c.on('message', (m) => got.push(m.seq));
    await c.track('c1', 0).catch(() => {});
    await settle();
    ScriptedSocket.last.open();
    expect(ScriptedSocket.last.sentOfType('resume')).toEqual([{ type: 'resume', cursors: { c1: 0 } }]);
    ScriptedSocket.last.receive(chat(1));
    ScriptedSocket.last.receive(chat(2));
    ScriptedSocket.last.drop(1006);
    await timers.advance(500);
    const second = ScriptedSocket.last;
    second.open();
    expect(second.sentOfType('resume')).toEqual([{ type: 'resume', cursors: { c1: 2 } }]);
    // A replay overlapping what is held, and a message ahead of one still missing.
    second.receive(chat(2));
    second.receive(chat(4));
    second.receive(chat(3));
    second.receive({ type: 'resumed', cursors: { c1: 4 } });
    expect(got).toEqual([1, 2, 3, 4]);
    expect(c.conversation('c1').messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('resumes more conversations than one frame may name in several frames, synced once after the last', async () => {
    const c = client();
    const reports: SyncReport[] = [];
    c.on('synced', (r) => reports.push(r));
    const ids = Array.from({ length: MAX_RESUME_CONVERSATIONS + 1 }, (_, i) => `c${i}`);
    for (const id of ids) await c.track(id, 0).catch(() => {});
    await settle();
    ScriptedSocket.last.open();
    const frames = ScriptedSocket.last.sentOfType('resume') as Array<{ cursors: Record<string, number> }>;
    expect(frames.map((f) => Object.keys(f.cursors).length)).toEqual([MAX_RESUME_CONVERSATIONS, 1]);
    expect(frames.flatMap((f) => Object.keys(f.cursors)).sort()).toEqual([...ids].sort());
    ScriptedSocket.last.receive({ type: 'resumed', cursors: frames[0]!.cursors });
    await settle();
    expect(reports).toHaveLength(0);
    ScriptedSocket.last.receive({ type: 'resumed', cursors: frames[1]!.cursors });
    await settle();
    expect(reports).toHaveLength(1);
  });

  it('outbox: a send waits for a connection, is resent with the same client_msg_id, resolves on ack', async () => {
    const c = client();
    await settle();
    const sent = c.send('c1', 'hello', { clientMsgId: 'k-hello' });
    expect(c.outbox.entries).toMatchObject([{ client_msg_id: 'k-hello', status: 'pending' }]);
    const first = ScriptedSocket.last;
    first.open();
    // resume first, then the send, on the same socket.
    expect(first.sent.map((f) => f.type)).toEqual(['resume', 'chat_message']);
    expect(c.outbox.entries[0]?.status).toBe('sending');
    first.drop(1006);
    expect(c.outbox.entries[0]?.status).toBe('pending');
    await timers.advance(500);
    const second = ScriptedSocket.last;
    second.open();
    expect(second.sentOfType('chat_message')).toEqual([
      { type: 'chat_message', conversation_id: 'c1', content: 'hello', client_msg_id: 'k-hello' },
    ]);
    second.receive({ type: 'message_sent', ...message(1, { client_msg_id: 'k-hello', content: 'hello' }) });
    await expect(sent).resolves.toMatchObject({ seq: 1, client_msg_id: 'k-hello' });
    expect(c.outbox.size).toBe(0);
  });

  it('outbox: an unanswered send goes out again after sendTimeoutMs on the same connection', async () => {
    const c = client({ sendTimeoutMs: 3000, heartbeat: { intervalMs: 60_000, timeoutMs: 5000 } });
    await settle();
    ScriptedSocket.last.open();
    void c.send('c1', 'hello', { clientMsgId: 'k1' });
    await timers.advance(2999);
    expect(ScriptedSocket.last.sentOfType('chat_message')).toHaveLength(1);
    await timers.advance(1);
    expect(ScriptedSocket.last.sentOfType('chat_message')).toHaveLength(2);
  });

  it('outbox: a refusal that will not change fails the send; a retryable one is retried', async () => {
    const c = client();
    await settle();
    ScriptedSocket.last.open();
    const tooBig = c.send('c1', 'x', { clientMsgId: 'big' });
    ScriptedSocket.last.receive({
      type: 'error',
      code: 'message_too_large',
      message: 'too large',
      ref: 'big',
    });
    await expect(tooBig).rejects.toMatchObject({ code: 'message_too_large' });
    expect(c.outbox.get('big')?.status).toBe('failed');
    const busy = c.send('c1', 'y', { clientMsgId: 'busy' });
    ScriptedSocket.last.receive({ type: 'error', code: 'rate_limited', message: 'slow down', ref: 'busy' });
    expect(c.outbox.get('busy')?.status).toBe('pending');
    await timers.advance(2000);
    expect(
      ScriptedSocket.last.sentOfType('chat_message').filter((f) => f.client_msg_id === 'busy'),
    ).toHaveLength(2);
    ScriptedSocket.last.receive({ type: 'message_sent', ...message(1, { client_msg_id: 'busy' }) });
    await expect(busy).resolves.toMatchObject({ seq: 1 });
  });

  it('goes offline with the network and straight back when it returns', async () => {
    const c = client();
    await settle();
    ScriptedSocket.last.open();
    network.set(false);
    expect(c.state).toBe('offline');
    expect(ScriptedSocket.last.closedByClient).toBe(true);
    await timers.advance(60_000);
    expect(ScriptedSocket.instances).toHaveLength(1);
    network.set(true);
    expect(c.state).toBe('reconnecting');
    await settle();
    expect(ScriptedSocket.instances).toHaveLength(2);
    ScriptedSocket.last.open();
    expect(c.state).toBe('connected');
  });

  it('refreshes the token when the server refuses it (4401), or stops when it cannot', async () => {
    const reasons: string[] = [];
    let n = 0;
    client({
      token: undefined,
      getToken: async ({ reason }) => {
        reasons.push(reason);
        n += 1;
        return `t${n}`;
      },
    });
    await settle();
    expect(ScriptedSocket.last.url).toContain('token=t1');
    ScriptedSocket.last.drop(4401, 'unauthenticated');
    await timers.advance(500);
    expect(ScriptedSocket.last.url).toContain('token=t2');
    expect(reasons).toEqual(['initial', 'refused']);

    const fixed = client();
    await settle();
    ScriptedSocket.last.drop(4401, 'unauthenticated');
    expect(fixed.state).toBe('disconnected');
    expect(states.at(-1)).toMatchObject({ to: 'disconnected', code: 4401 });
  });

  it('abandons an attempt that does not open within connectTimeoutMs (a black-holed network)', async () => {
    const c = client({ connectTimeoutMs: 7000 });
    await settle();
    await timers.advance(6999);
    expect(c.state).toBe('connecting');
    await timers.advance(1);
    expect(c.state).toBe('reconnecting');
    expect(states.at(-1)).toMatchObject({ reason: 'connect timeout' });
    expect(ScriptedSocket.last.closedByClient).toBe(true);
  });

  it('a continuation from an abandoned attempt changes nothing', async () => {
    const c = client();
    await settle();
    const abandoned = ScriptedSocket.last;
    c.disconnect();
    abandoned.open();
    abandoned.receive(chat(1));
    abandoned.drop(1006);
    expect(c.state).toBe('disconnected');
    await timers.advance(60_000);
    expect(ScriptedSocket.instances).toHaveLength(1);
  });

  it('reports whether it recovered: a conversation the server will not replay is filled from history, or reported lost', async () => {
    const asked: string[] = [];
    const c = client({
      fetch: async (url: string) => {
        asked.push(url);
        if (url.includes('/c-gone/')) {
          return new Response(JSON.stringify({ error: { code: 'not_participant', message: 'no' } }), {
            status: 403,
          });
        }
        return new Response(
          JSON.stringify({ messages: [message(3, { conversation_id: 'c1' })], has_more: false }),
          {
            status: 200,
          },
        );
      },
    });
    const reports: SyncReport[] = [];
    c.on('synced', (r) => reports.push(r));
    const got: number[] = [];
    c.on('message', (m) => m.conversation_id === 'c1' && got.push(m.seq));
    await settle();
    ScriptedSocket.last.open();
    ScriptedSocket.last.receive(chat(1));
    ScriptedSocket.last.receive(chat(2));
    ScriptedSocket.last.receive({
      type: 'chat_message',
      ...message(1, { conversation_id: 'c-gone', message_id: 'g1' }),
    });
    ScriptedSocket.last.drop(1006);
    await timers.advance(500);
    ScriptedSocket.last.open();
    expect(ScriptedSocket.last.sentOfType('resume')).toEqual([
      { type: 'resume', cursors: { c1: 2, 'c-gone': 1 } },
    ]);
    // The server could not replay either (a store hiccup for c1; c-gone: no longer a participant).
    ScriptedSocket.last.receive({ type: 'error', code: 'internal', message: 'try again', ref: 'c1' });
    ScriptedSocket.last.receive({ type: 'error', code: 'not_participant', message: 'no', ref: 'c-gone' });
    ScriptedSocket.last.receive({ type: 'resumed', cursors: {} });
    await settle();
    await settle();
    expect(got).toEqual([1, 2, 3]);
    expect(asked.some((u) => u.includes('/c1/messages?after_seq=2'))).toBe(true);
    expect(reports).toEqual([{ transport: 'websocket', recovered: false, lost: ['c-gone'], failed: [] }]);
  });

  it('emits a typed event for every server frame', async () => {
    const c = client();
    await settle();
    ScriptedSocket.last.open();
    const typing: string[] = [];
    c.on('typing_indicator', (f) => typing.push(`${f.username}:${f.is_typing}`));
    ScriptedSocket.last.receive({
      type: 'typing_indicator',
      conversation_id: 'c1',
      user_id: 'u2',
      username: 'Bob',
      is_typing: true,
      expires_in_ms: 5000,
    });
    expect(typing).toEqual(['Bob:true']);
  });
});
