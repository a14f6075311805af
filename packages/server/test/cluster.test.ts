import { randomBytes } from 'node:crypto';
import type { Conversation, Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedAppointment, putSchedule } from './helpers/care.js';
import {
  type Cluster,
  eventually,
  type NodeProcess,
  redisReachable,
  startCluster,
} from './helpers/cluster.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, type TestUser } from './helpers/http.js';
import { TestSocket } from './helpers/ws.js';

/**
 * Three real server processes on one PostgreSQL schema and one Redis key prefix act as one:
 * whatever node a device is connected to, it gets every event of its user.
 */
const runnable = DIALECTS.includes('postgres') && (await redisReachable());
if (!runnable && process.env.CI === 'true')
  throw new Error('the cluster suite needs PostgreSQL and Redis in CI');

describe.runIf(runnable)('three nodes on PostgreSQL + Redis', () => {
  let cluster: Cluster;
  let a: NodeProcess;
  let b: NodeProcess;
  let c: NodeProcess;
  const sockets: TestSocket[] = [];

  async function connect(node: NodeProcess, user: TestUser, path = '/ws'): Promise<TestSocket> {
    const socket = await TestSocket.connect(`${node.wsUrl}${path}`, { token: user.token });
    sockets.push(socket);
    await socket.roundTrip();
    return socket;
  }

  async function pair(): Promise<{ alice: TestUser; bob: TestUser }> {
    const [alice, bob] = await Promise.all([
      registerUser(a.url, { name: 'Alice', role: 'practitioner' }),
      registerUser(b.url, { name: 'Bob' }),
    ]);
    return { alice, bob };
  }

  beforeAll(async () => {
    cluster = await startCluster(3, { env: { PRESENCE_TTL_SECONDS: '5' } });
    [a, b, c] = cluster.nodes as [NodeProcess, NodeProcess, NodeProcess];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await cluster?.dispose();
  });

  it('delivers conversation_created, messages, typing and receipts across nodes', async () => {
    const { alice, bob } = await pair();
    const aliceOnA = await connect(a, alice);
    const aliceOnB = await connect(b, alice);
    const bobOnB = await connect(b, bob);
    const bobOnC = await connect(c, bob);

    const conversation = await openConversation(a.url, alice, bob);
    for (const socket of [bobOnB, bobOnC]) {
      const created = await socket.next('conversation_created');
      expect(created.conversation.id).toBe(conversation.id);
    }

    aliceOnA.send({
      type: 'chat_message',
      conversation_id: conversation.id,
      client_msg_id: 'x-1',
      content: 'hello',
    });
    const ack = await aliceOnA.next('message_sent');
    expect(ack.seq).toBe(1);
    const onB = await bobOnB.next('chat_message');
    const onC = await bobOnC.next('chat_message');
    expect([onB.message_id, onC.message_id]).toEqual([ack.message_id, ack.message_id]);
    // The sender's other device, on another node, gets the message as sent.
    expect((await aliceOnB.next('message_sent')).message_id).toBe(ack.message_id);

    bobOnC.send({ type: 'typing_indicator', conversation_id: conversation.id, is_typing: true });
    const typing = await aliceOnA.next('typing_indicator');
    expect(typing).toMatchObject({ user_id: bob.user.id, is_typing: true });

    bobOnB.send({ type: 'read_receipt', conversation_id: conversation.id, seq: 1 });
    expect(await aliceOnA.next('read_receipt')).toMatchObject({ user_id: bob.user.id, seq: 1 });
    expect(await bobOnC.next('read_receipt')).toMatchObject({ user_id: bob.user.id, seq: 1 });
  });

  it('sends doctor_ready exactly once across nodes when the practitioner comes online in hours', async () => {
    const [doctor, patient] = await Promise.all([
      registerUser(a.url, { name: 'Dr. Ready', role: 'practitioner' }),
      registerUser(b.url, { name: 'Waiting Patient' }),
    ]);
    // Hours every day, all day: whenever this runs, the window is open.
    const allDay = [0, 1, 2, 3, 4, 5, 6].map((day) => ({
      day_of_week: day,
      start: '00:00',
      end: '24:00',
      timezone: 'UTC',
    }));
    await putSchedule(a.url, doctor, allDay);
    const startsAt = new Date(Date.now() + 3_600_000);
    await acceptedAppointment(
      b.url,
      patient,
      doctor,
      startsAt.toISOString(),
      new Date(startsAt.getTime() + 1_800_000).toISOString(),
    );
    const patientSockets = [await connect(a, patient), await connect(b, patient), await connect(c, patient)];
    // The practitioner comes online on every node at once: each node looks, one of them sends.
    await Promise.all([connect(a, doctor), connect(b, doctor), connect(c, doctor)]);
    await eventually(() => patientSockets.every((s) => s.all('doctor_ready').length >= 1));
    // Give a second sender every chance to show itself before counting.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await Promise.all(patientSockets.map((s) => s.roundTrip()));
    for (const socket of patientSockets) {
      const ready = socket.all('doctor_ready');
      expect(ready).toHaveLength(1);
      expect(ready[0]).toMatchObject({ doctor_id: doctor.user.id });
    }
  }, 60_000);

  it('shows presence across nodes and ends it when a device disconnects', async () => {
    const { alice, bob } = await pair();
    const conversation = await openConversation(a.url, alice, bob);
    const aliceOnA = await connect(a, alice);
    const aliceOnline = async (node: NodeProcess) => {
      const res = await request<{ conversations: Conversation[] }>(node.url, 'GET', '/api/conversations', {
        token: bob.token,
      });
      const found = res.body.conversations.find((x) => x.id === conversation.id);
      return found?.participants.find((p) => p.user.id === alice.user.id)?.online;
    };
    expect(await aliceOnline(c)).toBe(true);
    await aliceOnA.close();
    await eventually(async () => (await aliceOnline(c)) === false);
  });

  it("takes a killed node's users offline when its presence entries lapse", async () => {
    const victim = await cluster.addNode('lapse');
    const { alice, bob } = await pair();
    const conversation = await openConversation(a.url, alice, bob);
    await connect(victim, alice);
    const aliceOnline = async () => {
      const res = await request<{ conversations: Conversation[] }>(c.url, 'GET', '/api/conversations', {
        token: bob.token,
      });
      const found = res.body.conversations.find((x) => x.id === conversation.id);
      return found?.participants.find((p) => p.user.id === alice.user.id)?.online;
    };
    expect(await aliceOnline()).toBe(true);
    victim.kill('SIGKILL');
    await victim.exited;
    // PRESENCE_TTL_SECONDS is 5 in this cluster: nobody tells the others; the claim lapses.
    await eventually(async () => (await aliceOnline()) === false, 20_000);
  }, 40_000);

  it('resumes with no gap when a client reconnects to another node', async () => {
    const { alice, bob } = await pair();
    const conversation = await openConversation(a.url, alice, bob);
    const aliceOnA = await connect(a, alice);
    const bobOnB = await connect(b, bob);
    const send = async (n: number) => {
      aliceOnA.send({
        type: 'chat_message',
        conversation_id: conversation.id,
        client_msg_id: `r-${n}`,
        content: `m${n}`,
      });
      await aliceOnA.next('message_sent', (f) => f.client_msg_id === `r-${n}`);
    };
    const aliceOnC = await connect(c, alice);
    for (let n = 1; n <= 3; n++) await send(n);
    await bobOnB.waitForCount('chat_message', 3);
    await bobOnB.close();
    for (let n = 4; n <= 7; n++) await send(n);
    // Node C has seen 4..7 go by (alice's other device is there), so none of them can reach bob's
    // new socket there live before his resume: the replay alone carries them, in order.
    await aliceOnC.next('message_sent', (f) => f.seq === 7);

    const bobOnC = await connect(c, bob);
    bobOnC.send({ type: 'resume', cursors: { [conversation.id]: 3 } });
    await bobOnC.next('resumed');
    await send(8);
    const got = (await bobOnC.waitForCount('chat_message', 5)) as Message[];
    expect(got.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
  });

  it('loses and duplicates no acknowledged message when a node is killed while messages flow', async () => {
    const victim = await cluster.addNode('victim');
    const { alice, bob } = await pair();
    const conversation = await openConversation(a.url, alice, bob);
    const bobOnC = await connect(c, bob);
    const total = 400;
    const ids = Array.from({ length: total }, (_, i) => `k-${i}-${randomBytes(3).toString('hex')}`);
    const acked = new Set<string>();

    // Open loop: every send goes out at once, the way a client's outbox flushes.
    const aliceOnVictim = await connect(victim, alice);
    aliceOnVictim.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; client_msg_id?: string };
      if (frame.type === 'message_sent' && frame.client_msg_id) acked.add(frame.client_msg_id);
      // Killed from inside the stream of acks, so the crash lands while messages are in flight
      // however fast the machine is.
      if (acked.size === 5) victim.kill('SIGKILL');
    });
    for (const [i, id] of ids.entries()) {
      aliceOnVictim.send({
        type: 'chat_message',
        conversation_id: conversation.id,
        client_msg_id: id,
        content: `n${i}`,
      });
    }
    await victim.exited;
    const ackedBeforeCrash = new Set(acked);
    expect(ackedBeforeCrash.size).toBeLessThan(total);

    // The client's outbox resends everything not acknowledged, to another node, with the same ids.
    const aliceOnA = await connect(a, alice);
    for (const [i, id] of ids.entries()) {
      if (!ackedBeforeCrash.has(id)) {
        aliceOnA.send({
          type: 'chat_message',
          conversation_id: conversation.id,
          client_msg_id: id,
          content: `n${i}`,
        });
      }
    }
    await eventually(
      () => acked.size + aliceOnA.frames.filter((f) => f.type === 'message_sent').length >= total,
    );

    const stored = await cluster.store.listMessagesAfter(conversation.id, 0, 1000);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.clientMsgId)).size).toBe(stored.length);
    expect(stored.map((m) => m.clientMsgId).sort()).toEqual([...ids].sort());

    // The receiver, on a node that stayed up, has each message once, in seq order.
    await bobOnC.waitForCount('chat_message', total);
    await bobOnC.roundTrip();
    const received = bobOnC.frames.filter((f) => f.type === 'chat_message') as Message[];
    expect(received.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
  }, 60_000);
});
