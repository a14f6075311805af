import { spawnSync } from 'node:child_process';
import type { Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cluster,
  eventually,
  type NodeProcess,
  redisReachable,
  startCluster,
} from './helpers/cluster.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request } from './helpers/http.js';
import { freePort } from './helpers/private-postgres.js';
import { PrivateRedis } from './helpers/private-redis.js';
import { TestSocket } from './helpers/ws.js';

/**
 * Redis goes away and comes back under two nodes: each keeps serving its own clients, readiness
 * reports the outage, and what the other node's clients missed reaches them afterwards.
 */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const runnable = DIALECTS.includes('postgres') && hasRedisServer && (await redisReachable());
if (!runnable && process.env.CI === 'true')
  throw new Error('the Redis outage suite needs redis-server in CI');

describe.runIf(runnable)('Redis outage under two nodes', () => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    cluster = await startCluster(2, { redisUrl: redis.url });
    [a, b] = cluster.nodes as [NodeProcess, NodeProcess];
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
    await redis?.stop();
  });

  it('keeps serving local clients, reports not ready, and catches the others up when Redis is back', async () => {
    const [alice, bob] = await Promise.all([
      registerUser(a.url, { name: 'Alice', role: 'practitioner' }),
      registerUser(b.url, { name: 'Bob' }),
    ]);
    const conversation = await openConversation(a.url, alice, bob);
    const aliceOnA = await TestSocket.connect(`${a.wsUrl}/ws`, { token: alice.token });
    const aliceSecondOnA = await TestSocket.connect(`${a.wsUrl}/ws`, { token: alice.token });
    const bobOnB = await TestSocket.connect(`${b.wsUrl}/ws`, { token: bob.token });
    const send = async (n: number) => {
      aliceOnA.send({
        type: 'chat_message',
        conversation_id: conversation.id,
        client_msg_id: `o-${n}`,
        content: `m${n}`,
      });
      return aliceOnA.next('message_sent', (f) => f.client_msg_id === `o-${n}`);
    };
    await send(1);
    await bobOnB.next('chat_message', (m) => m.seq === 1);

    await redis.stop();
    await eventually(async () => (await request(a.url, 'GET', '/readyz')).status === 503);
    const ready = await request<{ checks: { store: boolean; bus: boolean } }>(b.url, 'GET', '/readyz');
    expect(ready.body.checks).toEqual({ store: true, bus: false });

    // Node A still acknowledges and delivers to its own clients.
    expect((await send(2)).seq).toBe(2);
    expect((await send(3)).seq).toBe(3);
    await aliceSecondOnA.next('message_sent', (m) => m.seq === 3);

    await redis.start();
    await eventually(async () => (await request(a.url, 'GET', '/readyz')).status === 200);
    await eventually(async () => (await request(b.url, 'GET', '/readyz')).status === 200);

    // Bob's node catches his socket up from the store, without him reconnecting...
    await bobOnB.next('chat_message', (m) => m.seq === 3, 10_000);
    // ...and live delivery across nodes works again.
    await send(4);
    await bobOnB.next('chat_message', (m) => m.seq === 4);
    const seqs = (bobOnB.frames.filter((f) => f.type === 'chat_message') as Message[]).map((m) => m.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);

    // A client that reconnects instead catches up by resume.
    const bobAgain = await TestSocket.connect(`${b.wsUrl}/ws`, { token: bob.token });
    bobAgain.send({ type: 'resume', cursors: { [conversation.id]: 1 } });
    await bobAgain.next('resumed');
    expect((bobAgain.frames.filter((f) => f.type === 'chat_message') as Message[]).map((m) => m.seq)).toEqual(
      [2, 3, 4],
    );
    await Promise.all([aliceOnA, aliceSecondOnA, bobOnB, bobAgain].map((s) => s.close()));
  }, 60_000);
});
