import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readsInOneQuery } from '../src/store/reads-in-one-query.js';
import { securityStoreFor } from '../src/store/security-kysely-store.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { seedConversation, seedUser } from './helpers/store-pair.js';
import { selectsDuring } from './helpers/store-reads.js';

describe('readsInOneQuery', () => {
  /** A load over rows keyed by their first letter, recording the keys of each call. */
  const rows = ['a1', 'a2', 'b1', 'c1'];
  const recording = () => {
    const calls: string[][] = [];
    const read = readsInOneQuery(
      async (keys) => {
        calls.push([...keys]);
        return rows.filter((row) => keys.includes(row[0]!));
      },
      (row) => row[0]!,
    );
    return { calls, read };
  };

  it('answers the callers of one turn with one load, each with the rows of its own keys', async () => {
    const { calls, read } = recording();
    const answers = await Promise.all([read(['a']), read(['b', 'z']), read(['a', 'a', 'c']), read([])]);
    expect(answers).toEqual([['a1', 'a2'], ['b1'], ['a1', 'a2', 'c1'], []]);
    expect(calls).toEqual([['a', 'b', 'z', 'c']]);
  });

  it('answers 500 keys per turn, in order, and callers of a later turn in a load of their own', async () => {
    const { calls, read } = recording();
    const many = Array.from({ length: 1200 }, (_, i) => `k${i}`);
    // How many loads had run when each caller was answered: the first 500 before the second load.
    const loadsSeen: number[] = [];
    await Promise.all(many.map((key, i) => read([key]).then(() => (loadsSeen[i] = calls.length))));
    expect(calls.map((keys) => keys.length)).toEqual([500, 500, 200]);
    expect(calls[1]![0]).toBe('k500');
    expect([loadsSeen[0], loadsSeen[499], loadsSeen[500], loadsSeen[999], loadsSeen[1000]]).toEqual([
      1, 1, 2, 2, 3,
    ]);
    await read(['a']);
    expect(calls).toHaveLength(4);
  });

  it('fails every caller of a load that fails, and the next turn reads again', async () => {
    let fail = true;
    const read = readsInOneQuery(
      async (keys) => {
        if (fail) throw new Error('database unavailable');
        return [...keys];
      },
      (row) => row,
    );
    const outcomes = await Promise.allSettled([read(['a']), read(['b'])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await read(['a'])).toEqual(['a']);
  });
});

/**
 * What a reconnect storm asks of the store for each returning socket (its session, its user, its
 * conversations' ends) is one statement for all the sockets of a turn, on both dialects.
 */
describe.each(DIALECTS)('reads of many callers at once on %s', (dialect) => {
  let test: TestStore;
  const users: string[] = [];
  const conversations: string[] = [];

  beforeAll(async () => {
    test = await createTestStore(dialect);
    const now = new Date().toISOString();
    for (let i = 0; i < 6; i++) users.push(await seedUser(test.store, now));
    // users[0] is in three conversations, users[1..2] in one each, the others in none.
    for (const other of [1, 2, 3])
      conversations.push(await seedConversation(test.store, now, [users[0]!, users[other]!]));
  });
  afterAll(() => test.dispose());

  it('reads the users of concurrent callers in one statement, each getting its own', async () => {
    let answers: Array<Array<{ id: string }>> = [];
    const reads = await selectsDuring(test.store, async () => {
      answers = await Promise.all(users.map((id) => test.store.findUsersByIds([id])));
    });
    expect(reads).toHaveLength(1);
    expect(answers.map((list) => list.map((u) => u.id))).toEqual(users.map((id) => [id]));
    expect(await test.store.findUsersByIds(['usr_nobody'])).toEqual([]);
  });

  it('reads the conversation ends of concurrent callers in one statement, each getting its own', async () => {
    let answers: Array<Map<string, number>> = [];
    const reads = await selectsDuring(test.store, async () => {
      answers = await Promise.all(users.map((id) => test.store.listConversationEnds(id)));
    });
    expect(reads).toHaveLength(1);
    expect([...answers[0]!.keys()].sort()).toEqual([...conversations].sort());
    expect([...answers[1]!]).toEqual([[conversations[0], 0]]);
    expect(answers[4]!.size).toBe(0);
  });

  it('reads the sessions of concurrent callers in one statement, each getting its own', async () => {
    const security = securityStoreFor(test.store);
    const now = new Date();
    const ids = users.map((_, i) => `ses_batch_${dialect}_${i}`);
    for (const [i, id] of ids.entries()) {
      await security.insertSessionFamily({
        id,
        userId: users[i]!,
        tokenHash: `hash-${id}`,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
        revokedAt: null,
        revokedReason: null,
        lastUsedAt: now.toISOString(),
        generation: 0,
        tokenSalt: null,
        rotatedAt: null,
      });
    }
    let answers: Array<{ id: string; userId: string } | undefined> = [];
    const reads = await selectsDuring(test.store, async () => {
      answers = await Promise.all([...ids, 'ses_unknown'].map((id) => security.findSessionFamily(id)));
    });
    expect(reads).toHaveLength(1);
    expect(answers.map((f) => f && [f.id, f.userId])).toEqual([
      ...ids.map((id, i) => [id, users[i]]),
      undefined,
    ]);
  });
});
