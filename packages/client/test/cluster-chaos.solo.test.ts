import type { Conversation, Message } from '@carechat/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { Balancer } from '../../server/test/helpers/balancer.js';
import { type Cluster, redisReachable, startCluster } from '../../server/test/helpers/cluster.js';
import { openConversation, registerUser, request, type TestUser } from '../../server/test/helpers/http.js';
import { POSTGRES_BIN, PrivatePostgres } from '../../server/test/helpers/private-postgres.js';
import { PrivateRedis } from '../../server/test/helpers/private-redis.js';
import type { ClientOptions } from '../src/client.js';
import { RecordingClient } from './helpers/clients.js';

/**
 * Issue 17, point 6: faults under load lose nothing. SDK clients behind a load balancer send 500
 * messages a second through two nodes on PostgreSQL and Redis (both private to this test) while
 * Redis restarts, PostgreSQL restarts (`pg_ctl restart -m fast`) and a node is killed, one after
 * the other. Afterwards every acknowledged message is in both its participants' hands exactly once
 * and in order, every send resolved, and the time each fault took to be caught up is reported.
 */
const runnable = POSTGRES_BIN !== undefined && (await redisReachable());
if (!runnable && process.env.CI === 'true')
  throw new Error('the cluster chaos test needs PostgreSQL binaries and Redis');

const PAIRS = 10;
/** Messages per second over all clients (each of the 2 × PAIRS clients sends its share). */
const RATE = 500;
/** Steady load before each fault and after the last. */
const PHASE_MS = 4000;

const CLIENT: Partial<ClientOptions> = {
  transports: ['websocket'],
  heartbeat: { intervalMs: 1000, timeoutMs: 2000 },
  backoff: { baseMs: 100, maxMs: 1000, stableMs: 5000 },
  requestTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  sendTimeoutMs: 5000,
  gapWaitMs: 300,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const portOf = (url: string) => Number(new URL(url).port);

describe.runIf(runnable)('chaos under two nodes at 500 messages a second', () => {
  let postgres: PrivatePostgres | undefined;
  let redis: PrivateRedis | undefined;
  let cluster: Cluster | undefined;
  let balancer: Balancer | undefined;
  const clients: RecordingClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.close();
    await balancer?.close();
    await cluster?.dispose();
    await redis?.stop();
    postgres?.dispose();
  });

  it('loses and repeats nothing through a Redis restart, a PostgreSQL restart and a node kill', async () => {
    postgres = await PrivatePostgres.create();
    redis = await PrivateRedis.create();
    cluster = await startCluster(2, {
      databaseUrl: postgres.url,
      redisUrl: redis.url,
      env: { ACCESS_TOKEN_TTL_SECONDS: '3600', DATABASE_POOL_SIZE: '10' },
    });
    const [a, b] = cluster.nodes;
    balancer = await Balancer.start([portOf(a!.url), portOf(b!.url)]);

    const pairs: Array<{ id: string; token: string; sides: [RecordingClient, RecordingClient] }> = [];
    for (let i = 0; i < PAIRS; i++) {
      const [patient, doctor]: TestUser[] = await Promise.all([
        registerUser(a!.url, { name: `Chaos Patient ${i}` }),
        registerUser(a!.url, { name: `Dr. Chaos ${i}`, role: 'practitioner' }),
      ]);
      const conversation: Conversation = await openConversation(a!.url, doctor!, patient!);
      const sides = [patient!, doctor!].map(
        (user) => new RecordingClient({ ...CLIENT, baseUrl: balancer!.url, token: user.token }),
      ) as [RecordingClient, RecordingClient];
      clients.push(...sides);
      pairs.push({ id: conversation.id, token: patient!.token, sides });
    }
    await Promise.all(pairs.flatMap((p) => p.sides.map((s) => s.client.track(p.id, 0))));
    await Promise.all(clients.map((c) => c.synced()));

    // The load: every client sends its share, the whole time, whatever happens.
    const acked: Array<{ message: Message; pair: (typeof pairs)[number] }> = [];
    const failures: unknown[] = [];
    const pending = new Set<Promise<unknown>>();
    let sent = 0;
    const tick = setInterval(
      () => {
        for (const pair of pairs) {
          for (const side of pair.sides) {
            const n = sent++;
            const sending = side.client
              .send(pair.id, `chaos ${n}`)
              .then((message) => acked.push({ message, pair }))
              .catch((error: unknown) => failures.push(error))
              .finally(() => pending.delete(sending));
            pending.add(sending);
          }
        }
      },
      (1000 * 2 * PAIRS) / RATE,
    );

    /** How long until every message acknowledged so far is held by both its participants. */
    const caughtUp = async (): Promise<number> => {
      const startedAt = performance.now();
      const due = acked.slice();
      const held = () =>
        due.every(({ message, pair }) =>
          pair.sides.every((side) =>
            side.client.conversation(pair.id).messages.some((m) => m.seq === message.seq),
          ),
        );
      while (!held()) {
        if (performance.now() - startedAt > 60_000) {
          // Where each missing message stood: which side lacks it, what it holds, and its state.
          const missing = due.flatMap(({ message, pair }) =>
            pair.sides
              .filter(
                (side) => !side.client.conversation(pair.id).messages.some((m) => m.seq === message.seq),
              )
              .map(
                (side) =>
                  `seq ${message.seq} of ${pair.id}: side holds ${side.client.conversation(pair.id).messages.length}, ${side.client.state}`,
              ),
          );
          throw new Error(
            `not caught up within 60 s: ${missing.length} missing, ${missing.slice(0, 5).join('; ')}`,
          );
        }
        await sleep(25);
      }
      return Math.round(performance.now() - startedAt);
    };

    const report: Record<string, number> = {};
    try {
      await sleep(PHASE_MS);
      await redis.stop();
      await sleep(1000);
      await redis.start();
      report.redisRestartCaughtUpMs = await caughtUp();

      await sleep(PHASE_MS);
      await postgres.restart();
      report.postgresRestartCaughtUpMs = await caughtUp();

      await sleep(PHASE_MS);
      b!.kill('SIGKILL');
      await b!.exited;
      report.nodeKillCaughtUpMs = await caughtUp();

      await sleep(PHASE_MS);
    } finally {
      clearInterval(tick);
    }
    await Promise.all([...pending]);
    report.afterLoadCaughtUpMs = await caughtUp();
    report.messages = acked.length;
    process.stdout.write(`cluster chaos: ${JSON.stringify(report)}\n`);

    // Every send resolved with its stored message, once.
    expect(failures).toEqual([]);
    expect(acked).toHaveLength(sent);
    expect(new Set(acked.map((x) => x.message.message_id)).size).toBe(sent);
    // Each conversation: both participants hold exactly all of its messages, in seq order, once each.
    for (const pair of pairs) {
      const stored = await request<{ conversation: Conversation }>(
        a!.url,
        'GET',
        `/api/conversations/${pair.id}`,
        {
          token: pair.token,
        },
      );
      const mine = acked.filter((x) => x.pair === pair).map((x) => x.message.seq);
      const all = Array.from({ length: mine.length }, (_, i) => i + 1);
      expect([...mine].sort((x, y) => x - y)).toEqual(all);
      for (const side of pair.sides) {
        // What the app shows, and what it was handed message by message: no gap, no repeat.
        expect(side.client.conversation(pair.id).messages.map((m) => m.seq)).toEqual(all);
        expect(side.in(pair.id).map((m) => m.seq)).toEqual(all);
      }
      expect(stored.body.conversation.last_seq).toBe(mine.length);
    }
    // The faults happened: node b is gone, Redis and PostgreSQL came back.
    expect(b!.child.exitCode !== null || b!.child.signalCode !== null).toBe(true);
    expect((await fetch(`${a!.url}/readyz`)).status).toBe(200);
  }, 300_000);
});
