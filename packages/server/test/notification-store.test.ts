import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DueNotificationRecord, NotificationStore } from '../src/core/ports/notification-store.js';
import { notificationStoreFor } from '../src/store/notification-kysely-store.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';

const T0 = '2026-01-05T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

function row(i: number, overrides: Partial<DueNotificationRecord> = {}): DueNotificationRecord {
  return {
    id: `ntf_${i}`,
    userId: `usr_${i % 7}`,
    conversationId: `cnv_${i}`,
    step: 'push',
    round: 0,
    seq: 1,
    dueAt: T0,
    createdAt: T0,
    attempts: 0,
    ...overrides,
  };
}

describe.each(DIALECTS)('due notifications on %s', (dialect) => {
  let db: TestStore;
  let store: NotificationStore;

  beforeEach(async () => {
    db = await createTestStore(dialect);
    store = notificationStoreFor(db.store);
  });
  afterEach(async () => {
    await db.dispose();
  });

  it('keeps one row per person, conversation, step and round, however often it is written', async () => {
    await store.enqueue([row(1)]);
    await store.enqueue([row(1, { id: 'ntf_again', dueAt: at(-60_000) }), row(2)]);
    const claimed = await store.claimDue('node-a', at(0), at(60_000), 50);
    expect(claimed.map((r) => r.id).sort()).toEqual(['ntf_1', 'ntf_2']);
  });

  it('three nodes claiming at once never take the same row', async () => {
    await store.enqueue(Array.from({ length: 60 }, (_, i) => row(i)));
    const rounds = await Promise.all(
      ['a', 'b', 'c'].flatMap((owner) =>
        [0, 1, 2].map(() => store.claimDue(`node-${owner}`, at(0), at(60_000), 10)),
      ),
    );
    const ids = rounds.flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rest = await store.claimDue('node-d', at(0), at(60_000), 100);
    expect(ids.length + rest.length).toBe(60);
  });

  it('a node that dies holding rows leaves them to another once its lease has run out', async () => {
    await store.enqueue([row(1), row(2, { dueAt: at(30_000) })]);
    const taken = await store.claimDue('dead-node', at(0), at(60_000), 10);
    expect(taken.map((r) => r.id)).toEqual(['ntf_1']);
    expect(await store.claimDue('node-b', at(59_000), at(119_000), 10)).toMatchObject([{ id: 'ntf_2' }]);
    const retaken = await store.claimDue('node-c', at(61_000), at(121_000), 10);
    expect(retaken).toMatchObject([{ id: 'ntf_1', attempts: 2 }]);
    // The dead node's late answer changes nothing; the lease holder's counts.
    expect(await store.finish('ntf_1', 'dead-node', 'sent', at(62_000))).toBe(false);
    expect(await store.finish('ntf_1', 'node-c', 'sent', at(62_000))).toBe(true);
    expect(await store.claimDue('node-d', at(999_000), at(1_059_000), 10)).toMatchObject([{ id: 'ntf_2' }]);
  });

  it('a postponed row comes back at its new time, and a finished one never', async () => {
    await store.enqueue([row(1), row(2)]);
    await store.claimDue('node-a', at(0), at(60_000), 10);
    await store.postpone('ntf_1', 'node-a', at(3_600_000));
    await store.finish('ntf_2', 'node-a', 'skipped', at(0));
    expect(await store.claimDue('node-b', at(3_599_000), at(3_659_000), 10)).toEqual([]);
    expect(await store.claimDue('node-b', at(3_600_000), at(3_660_000), 10)).toMatchObject([{ id: 'ntf_1' }]);
  });

  it('forgets finished rows after a while, never due ones', async () => {
    await store.enqueue([row(1), row(2), row(3, { dueAt: at(86_400_000) })]);
    await store.claimDue('node-a', at(0), at(60_000), 10);
    await store.finish('ntf_1', 'node-a', 'sent', at(0));
    await store.finish('ntf_2', 'node-a', 'sent', at(10_000));
    await store.purgeFinished(at(5_000));
    // ntf_1 is gone: writing it again makes a new row; ntf_2 still holds its key.
    await store.enqueue([row(1, { id: 'ntf_1b' }), row(2, { id: 'ntf_2b' })]);
    expect((await store.claimDue('node-b', at(0), at(60_000), 10)).map((r) => r.id)).toEqual(['ntf_1b']);
    await store.finish('ntf_1b', 'node-b', 'sent', at(0));
    expect((await store.claimDue('node-b', at(86_400_000), at(86_460_000), 10)).map((r) => r.id)).toEqual([
      'ntf_3',
    ]);
  });

  it('lists the pushes shown and not yet withdrawn', async () => {
    await store.enqueue([row(1, { userId: 'usr_p', conversationId: 'cnv_x', seq: 3 })]);
    await store.claimDue('node-a', at(0), at(60_000), 10);
    await store.finish('ntf_1', 'node-a', 'sent', at(0));
    expect(await store.listSentPushes('usr_p', 'cnv_x', 2)).toEqual([]);
    expect(await store.listSentPushes('usr_p', 'cnv_x', 3)).toMatchObject([{ id: 'ntf_1', round: 0 }]);
    await store.enqueue([row(9, { userId: 'usr_p', conversationId: 'cnv_x', step: 'withdraw', seq: 3 })]);
    expect(await store.listSentPushes('usr_p', 'cnv_x', 3)).toEqual([]);
  });

  it('keeps subscriptions per device: an endpoint moves to whoever subscribes it last, logout removes it', async () => {
    const sub = {
      id: 'psub_1',
      userId: 'usr_a',
      sessionId: 'ses_1',
      endpoint: 'https://push.example/1',
      p256dh: 'k',
      auth: 'a',
      createdAt: T0,
    };
    await store.putPushSubscription(sub);
    await store.putPushSubscription({ ...sub, id: 'psub_2', userId: 'usr_b', sessionId: 'ses_2' });
    expect(await store.listPushSubscriptions('usr_a')).toEqual([]);
    expect(await store.listPushSubscriptions('usr_b')).toMatchObject([{ sessionId: 'ses_2' }]);
    await store.deletePushSubscriptionsOfSessions(['ses_2']);
    expect(await store.listPushSubscriptions('usr_b')).toEqual([]);
  });
});
