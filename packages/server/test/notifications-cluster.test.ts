import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKyselyBacked } from '../src/store/kysely-backed.js';
import { type Cluster, eventually, redisReachable, startCluster } from './helpers/cluster.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { type NotifyParts, startNotifyParts } from './helpers/notify-parts.js';
import type { PushEndpoint, TestSubscription } from './helpers/push-endpoint.js';
import type { SmtpInbox } from './helpers/smtp-inbox.js';

/**
 * Three real server processes on one PostgreSQL schema and Redis, all looking for due
 * notifications every 100 ms: each notification is sent by exactly one of them, and a node killed
 * in the middle of the ladder leaves its steps to the others (the due work is in the database).
 */
const runnable = DIALECTS.includes('postgres') && (await redisReachable());
if (!runnable && process.env.CI === 'true')
  throw new Error('the cluster suite needs PostgreSQL and Redis in CI');

const PATIENTS = 12;

describe.runIf(runnable)('notifications on three nodes (PostgreSQL + Redis)', () => {
  let cluster: Cluster;
  let parts: NotifyParts;
  let push: PushEndpoint;
  let smtp: SmtpInbox;

  beforeAll(async () => {
    // Mail goes over STARTTLS here: the nodes trust the test certificate as a CA.
    parts = await startNotifyParts({ smtpTls: true });
    ({ push, smtp } = parts);
    cluster = await startCluster(3, {
      env: {
        ...parts.env,
        NOTIFY_LADDER_PATIENT: 'push@2s,email@6s',
        NOTIFY_CHECK_MS: '100',
        NOTIFY_LEASE_SECONDS: '5',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
    await parts?.close();
  });

  it('sends each step once, with one node killed mid-ladder', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const doctor = await registerUser(a.url, { role: 'practitioner', name: 'Dr Cluster' });
    const patients: TestUser[] = [];
    const subscriptions = new Map<string, TestSubscription>();
    for (let i = 0; i < PATIENTS; i += 1) {
      // Each patient signs up and subscribes through a different node.
      const node = cluster.nodes[i % 3]!;
      const patient = await registerUser(node.url, { name: `Patient ${i}` });
      const sub = push.subscribe(`cluster-${i}`);
      const res = await request(node.url, 'POST', '/api/me/push-subscriptions', {
        token: patient.token,
        body: sub.json,
      });
      expect(res.status).toBe(204);
      patients.push(patient);
      subscriptions.set(patient.user.id, sub);
    }
    for (const [i, patient] of patients.entries()) {
      const conversation = await openConversation(a.url, doctor, patient);
      // Two messages each, through different nodes: one ladder per conversation all the same.
      expect((await sendHttp(cluster.nodes[i % 3]!.url, doctor, conversation.id, 'first')).status).toBe(201);
      expect(
        (await sendHttp(cluster.nodes[(i + 1) % 3]!.url, doctor, conversation.id, 'second')).status,
      ).toBe(201);
    }

    await eventually(() => push.received.length >= PATIENTS, 30_000);
    // Mid-ladder: every push is out, no email is due yet. The node dies without a goodbye.
    expect(smtp.mails).toHaveLength(0);
    c.kill('SIGKILL');
    await c.exited;

    await eventually(() => smtp.mails.length >= PATIENTS, 30_000);
    // Nothing is left due or leased: nothing more can be sent.
    await eventually(async () => (await openRows()) === 0, 30_000);

    expect(push.rejected).toEqual([]);
    const pushesPer = countBy(push.received.map((p) => p.subscription));
    expect([...pushesPer.values()]).toEqual(Array(PATIENTS).fill(1));
    expect(new Set(pushesPer.keys())).toEqual(new Set([...subscriptions.values()].map((s) => s.name)));
    const mailsPer = countBy(smtp.mails.flatMap((m) => m.to));
    expect(new Set(mailsPer.keys())).toEqual(new Set(patients.map((p) => p.email)));
    expect([...mailsPer.values()]).toEqual(Array(PATIENTS).fill(1));
    expect(smtp.secure.every(Boolean)).toBe(true);
    // The survivors are still serving.
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
  }, 120_000);

  async function openRows(): Promise<number> {
    if (!isKyselyBacked(cluster.store)) throw new Error('the cluster store is a Kysely store');
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from due_notifications where state = 'due'`.execute(cluster.store.db);
    return Number(rows[0]?.n ?? 0);
  }
});

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
