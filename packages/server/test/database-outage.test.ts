import { randomBytes } from 'node:crypto';
import type { Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, eventually, redisReachable, startCluster } from './helpers/cluster.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { POSTGRES_BIN, PrivatePostgres } from './helpers/private-postgres.js';
import { TestSocket } from './helpers/ws.js';

/**
 * PostgreSQL restarts and goes away under two nodes that carry traffic. No node exits: while the
 * database is gone they answer `unavailable` (503) and report not-ready, and once it is back they
 * serve again by themselves. Every message acknowledged reaches the recipient exactly once, in order.
 */
const runnable = POSTGRES_BIN !== undefined && (await redisReachable());
if (!runnable && process.env.CI === 'true')
  throw new Error('the database outage suite needs PostgreSQL binaries and Redis in CI');

describe.runIf(runnable)('PostgreSQL restarts and outages under two nodes', () => {
  let postgres: PrivatePostgres;
  let cluster: Cluster;
  let patient: TestUser;
  let doctor: TestUser;
  let conversationId: string;
  const acknowledged = new Map<string, Message>();

  beforeAll(async () => {
    postgres = await PrivatePostgres.create();
    cluster = await startCluster(2, { databaseUrl: postgres.url });
    const [a] = cluster.nodes;
    patient = await registerUser(a!.url);
    doctor = await registerUser(a!.url, { role: 'practitioner' });
    conversationId = (await openConversation(a!.url, patient, doctor)).id;
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
    postgres?.dispose();
  });

  const ready = async (url: string) => (await fetch(`${url}/readyz`)).status;
  const alive = () => cluster.nodes.every((n) => n.child.exitCode === null && n.child.signalCode === null);

  /**
   * Eight senders over HTTP through both nodes in turn until `stop`, each also listing the
   * conversations (reads beside the writes), recording what was acknowledged.
   */
  async function sendLoop(stop: { done: boolean }): Promise<Map<number, number>> {
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const worker = async (w: number) => {
      for (let i = 0; !stop.done; i++) {
        const node = cluster.nodes[(w + i) % 2]!;
        const res = await sendHttp(node.url, patient, conversationId, `m${w}-${i}`).catch(() => undefined);
        count(res?.status ?? 0);
        if (res?.status === 201) acknowledged.set(res.body.message.message_id, res.body.message);
        const list = await request(node.url, 'GET', '/api/conversations', { token: doctor.token }).catch(
          () => undefined,
        );
        count(list?.status ?? 0);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    return statuses;
  }

  it('keeps both nodes alive through a fast restart under load', async () => {
    const [a, b] = cluster.nodes;
    const watcher = await TestSocket.connect(`${b!.wsUrl}/ws`, { token: doctor.token });
    const stop = { done: false };
    const sending = sendLoop(stop);
    await eventually(() => acknowledged.size >= 50);
    await postgres.restart();
    const before = acknowledged.size;
    await eventually(() => acknowledged.size >= before + 50, 30_000);
    stop.done = true;
    const statuses = await sending;
    expect(alive(), `${a!.output()}\n${b!.output()}`).toBe(true);
    // Acknowledged, listed, or refused as retryable: never a failure of the server, never a dropped request.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 201]));
    expect([...statuses.keys()].every((s) => s === 200 || s === 201 || s === 503)).toBe(true);
    await watcher.roundTrip();
    await watcher.close();
  }, 90_000);

  it('answers unavailable while the database is down, then recovers by itself', async () => {
    const [a, b] = cluster.nodes;
    const socket = await TestSocket.connect(`${b!.wsUrl}/ws`, { token: patient.token });
    await postgres.stop();
    try {
      await eventually(async () => (await ready(a!.url)) === 503 && (await ready(b!.url)) === 503);
      const refused = await sendHttp(a!.url, patient, conversationId, 'while down');
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'unavailable' } });
      const ref = randomBytes(6).toString('hex');
      socket.send({
        type: 'chat_message',
        conversation_id: conversationId,
        client_msg_id: ref,
        content: 'x',
      });
      const error = await socket.next('error', (f) => f.ref === ref, 15_000);
      expect(error.code).toBe('unavailable');
      const list = await request(b!.url, 'GET', '/api/conversations', { token: patient.token });
      expect(list.status).toBe(503);
    } finally {
      await postgres.start();
    }
    await eventually(async () => (await ready(a!.url)) === 200 && (await ready(b!.url)) === 200, 30_000);
    // The socket that saw the outage works again without reconnecting.
    const ref = randomBytes(6).toString('hex');
    socket.send({
      type: 'chat_message',
      conversation_id: conversationId,
      client_msg_id: ref,
      content: 'back',
    });
    const sent = await socket.next('message_sent', (f) => f.client_msg_id === ref, 15_000);
    acknowledged.set(sent.message_id, sent);
    const res = await sendHttp(a!.url, patient, conversationId, 'after');
    expect(res.status).toBe(201);
    acknowledged.set(res.body.message.message_id, res.body.message);
    expect(socket.isOpen).toBe(true);
    expect(alive()).toBe(true);
    await socket.close();
  }, 90_000);

  it('has every acknowledged message stored once, gap-free, and replayed to a client in order', async () => {
    const [, b] = cluster.nodes;
    const stored = await cluster.store.listMessagesAfter(conversationId, 0, 10_000);
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    const ids = new Set(stored.map((m) => m.id));
    for (const id of acknowledged.keys()) expect(ids.has(id)).toBe(true);
    const reader = await TestSocket.connect(`${b!.wsUrl}/ws`, { token: doctor.token });
    reader.send({ type: 'resume', cursors: { [conversationId]: 0 } });
    await reader.next('resumed', () => true, 15_000);
    const received = reader.all('chat_message').filter((f) => f.conversation_id === conversationId);
    expect(received.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
    await reader.close();
  }, 60_000);
});
