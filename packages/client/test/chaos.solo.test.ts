import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Conversation, Message } from '@carechat/protocol';
import { describe, expect, it } from 'vitest';
import { dropPostgresSchema } from '../../server/src/store/postgres.js';
import { DIALECTS, TEST_DATABASE_URL } from '../../server/test/helpers/dialects.js';
import { openConversation, registerUser, request } from '../../server/test/helpers/http.js';
import type { ClientOptions } from '../src/client.js';
import { ManualNetwork } from '../src/platform.js';
import { ChaosProxy } from './helpers/chaos-proxy.js';
import { RecordingClient } from './helpers/clients.js';
import { freePort, ServerProcess } from './helpers/server-process.js';

/**
 * The promise, end to end: two users exchange 2,000 messages each way through SDK clients while
 * connections are cut at random, one client's network drops mid-send, the server process is
 * killed and restarted on the same database, and one client stays on Server-Sent Events. At the
 * end both hold exactly all 4,000 messages, in seq order, once each, and every send resolved.
 * A third client (Alice's second device) only listens, by long-polling, through the same chaos.
 *
 * Chaos is keyed to progress (acknowledged sends), not to the clock, so a slow machine sees the
 * same events at the same points of the run.
 */

const PER_SIDE = 2000;
const TOTAL = PER_SIDE * 2;

const CLIENT: Partial<ClientOptions> = {
  heartbeat: { intervalMs: 1000, timeoutMs: 2000 },
  backoff: { baseMs: 100, maxMs: 1000, stableMs: 5000 },
  requestTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  sendTimeoutMs: 8000,
  gapWaitMs: 300,
};

/** mulberry32: the same "random" cuts every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(DIALECTS)('chaos on %s', (dialect) => {
  it(`${PER_SIDE} messages each way survive cuts, a dropped network, a server restart and SSE`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carechat-chaos-'));
    const schema = `chaos_${process.pid}_${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const server = new ServerProcess({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dir,
      JWT_SECRET: 'chaos-secret-chaos-secret-chaos-secret-0123456789',
      ACCESS_TOKEN_TTL_SECONDS: '3600',
      // Each side sends 2,000 messages as fast as acks come back: far past the per-user send limit.
      SEND_RATE_PER_SECOND: '0',
      // A practitioner signs up and is talked to at once (approval has a suite of its own).
      ALLOW_PRACTITIONER_SIGNUP: 'true',
      LOG_LEVEL: 'warn',
      ...(dialect === 'sqlite'
        ? { DATABASE_URL: `sqlite:${join(dir, 'chaos.db')}` }
        : { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema }),
    });
    const proxies: ChaosProxy[] = [];
    const clients: RecordingClient[] = [];
    const timers: Array<ReturnType<typeof setTimeout>> = [];
    try {
      await server.start();
      const [alice, bob] = await Promise.all([
        registerUser(server.url, { name: 'Alice', role: 'practitioner' }),
        registerUser(server.url, { name: 'Bob' }),
      ]);
      const conversation: Conversation = await openConversation(server.url, alice, bob);
      const id = conversation.id;

      // Each client reaches the server through its own proxy: its own network, to cut or drop.
      const [netA, netB] = [new ManualNetwork(true), new ManualNetwork(true)];
      const [proxyA, proxyB] = await Promise.all([ChaosProxy.start(port), ChaosProxy.start(port)]);
      proxies.push(proxyA, proxyB);
      const a = new RecordingClient({
        ...CLIENT,
        baseUrl: proxyA.url,
        token: alice.token,
        transports: ['websocket'],
        network: netA,
      });
      const b = new RecordingClient({
        ...CLIENT,
        baseUrl: proxyB.url,
        token: bob.token,
        transports: ['sse'],
        network: netB,
      });
      clients.push(a, b);
      const transportsSeen = { a: new Set<string>(), b: new Set<string>() };
      a.client.on('state', (s) => s.transport && transportsSeen.a.add(s.transport));
      b.client.on('state', (s) => s.transport && transportsSeen.b.add(s.transport));
      await Promise.all([a.client.track(id, 0), b.client.track(id, 0)]);
      await Promise.all([a.synced(), b.synced()]);

      // The chaos, keyed to how many sends have been acknowledged.
      const random = seeded(dialect === 'sqlite' ? 7 : 11);
      const log = { cuts: 0, restarts: 0, dropA: false, dropB: false };
      let acked = 0;
      let restarting: Promise<void> = Promise.resolve();
      const onAck = () => {
        acked += 1;
        if (acked % 150 === 0) {
          const proxy = random() < 0.5 ? proxyA : proxyB;
          if (proxy.cutOne(random)) log.cuts += 1;
        }
        if (acked === 800) {
          // Alice's network vanishes mid-send: nothing arrives, nothing is refused (half-open).
          log.dropA = true;
          proxyA.setBlackhole(true);
          timers.push(setTimeout(() => proxyA.setBlackhole(false), 4000));
        }
        if (acked === 2000) {
          log.restarts += 1;
          restarting = server.restart();
        }
        if (acked === 2800) {
          // Bob's device goes offline (and its packets with it), then comes back.
          log.dropB = true;
          proxyB.setBlackhole(true);
          netB.set(false);
          timers.push(
            setTimeout(() => {
              proxyB.setBlackhole(false);
              netB.set(true);
            }, 1500),
          );
        }
      };

      const sends: Array<Promise<Message>> = [];
      for (let i = 0; i < PER_SIDE; i++) {
        sends.push(a.client.send(id, `a-${i}`).finally(onAck));
        sends.push(b.client.send(id, `b-${i}`).finally(onAck));
      }
      const stored = await Promise.all(sends);
      await restarting;
      await Promise.all([
        a.until(() => a.in(id).length >= TOTAL, `alice holds ${TOTAL}`, 60_000),
        b.until(() => b.in(id).length >= TOTAL, `bob holds ${TOTAL}`, 60_000),
      ]);

      // Every send resolved with its stored message, and each was stored once.
      expect(stored).toHaveLength(TOTAL);
      expect(new Set(stored.map((m) => m.message_id)).size).toBe(TOTAL);
      expect(stored.map((m) => m.seq).sort((x, y) => x - y)).toEqual(range(TOTAL));
      const last = await request<{ conversation: Conversation }>(
        server.url,
        'GET',
        `/api/conversations/${id}`,
        {
          token: alice.token,
        },
      );
      expect(last.body.conversation.last_seq).toBe(TOTAL);

      // Both sides hold exactly all of them, in seq order, once each, and the same ones.
      for (const side of [a, b]) {
        const held = side.in(id);
        expect(held.map((m) => m.seq)).toEqual(range(TOTAL));
        expect(new Set(held.map((m) => m.message_id)).size).toBe(TOTAL);
        expect(side.client.conversation(id).messages.map((m) => m.seq)).toEqual(range(TOTAL));
        expect(side.client.outbox.size).toBe(0);
      }
      expect(a.in(id).map((m) => m.message_id)).toEqual(b.in(id).map((m) => m.message_id));
      const contents = a.in(id).map((m) => m.content);
      expect(new Set(contents).size).toBe(TOTAL);
      // Each sender's messages were stored in the order they were written.
      for (const prefix of ['a', 'b']) {
        const order = contents.filter((c) => c.startsWith(`${prefix}-`)).map((c) => Number(c.slice(2)));
        expect(order).toEqual(range(PER_SIDE).map((n) => n - 1));
      }

      // And the chaos did happen.
      expect(server.starts).toBe(2);
      expect(log).toMatchObject({ restarts: 1, dropA: true, dropB: true });
      expect(log.cuts).toBeGreaterThan(10);
      expect([...transportsSeen.b]).toEqual(['sse']);
      expect([...transportsSeen.a]).toEqual(['websocket']);
      expect(a.syncs.length).toBeGreaterThan(2);
      expect(b.syncs.length).toBeGreaterThan(2);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- server output ---\n${server.output}`, {
        cause: error,
      });
    } finally {
      for (const timer of timers) clearTimeout(timer);
      for (const c of clients) c.close();
      await Promise.all(proxies.map((p) => p.close()));
      await server.kill('SIGTERM');
      if (dialect === 'postgres') await dropPostgresSchema(TEST_DATABASE_URL, schema).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
