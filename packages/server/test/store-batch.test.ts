import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { AppendRefusedError } from '../src/core/ports/message-store.js';
import type { Store } from '../src/core/ports/store.js';
import { openStore } from '../src/store/open-store.js';
import { securityStoreFor } from '../src/store/security-kysely-store.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { seedPair } from './helpers/store-pair.js';

const NOW = '2026-01-05T10:00:00.000Z';

/**
 * Group commit (store/message-batcher.ts): appends issued together share one transaction, and
 * each keeps the rules of a lone append.
 */
describe.each(DIALECTS)('group commit on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;

  beforeEach(async () => {
    testStore = await createTestStore(dialect);
    store = testStore.store;
  });
  afterEach(async () => {
    await testStore.dispose();
  });

  const pair = () => seedPair(store, NOW);

  const append = (conversationId: string, senderId: string, clientMsgId: string, content = 'hi') =>
    store.appendMessage({
      id: newId('msg'),
      conversationId,
      senderId,
      clientMsgId,
      content,
      replyTo: null,
      attachments: [],
      createdAt: NOW,
    });

  it('allocates seqs per conversation in call order across many conversations at once', async () => {
    const convs = await Promise.all([pair(), pair(), pair()]);
    const calls = Array.from({ length: 90 }, (_, i) => {
      const c = convs[i % 3]!;
      return append(c.conversationId, i % 2 ? c.a : c.b, `m-${i}`);
    });
    const results = await Promise.all(calls);
    for (const [k, c] of convs.entries()) {
      const seqs = results.filter((_, i) => i % 3 === k).map((r) => r.message.seq);
      expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect((await store.findConversation(c.conversationId))!.lastSeq).toBe(30);
    }
    // Each sender has read up to their own last message.
    const [first] = convs;
    const participants = await store.listParticipants([first!.conversationId]);
    const lastOfB = Math.max(
      ...results.filter((_, i) => i % 3 === 0 && i % 2 === 0).map((r) => r.message.seq),
    );
    expect(participants.find((p) => p.userId === first!.b)!.lastReadSeq).toBe(lastOfB);
  });

  it('stores a client_msg_id repeated inside one batch once and returns it to both callers', async () => {
    const { conversationId, a } = await pair();
    const [one, two, other] = await Promise.all([
      append(conversationId, a, 'same'),
      append(conversationId, a, 'same'),
      append(conversationId, a, 'other'),
    ]);
    expect(one.created).toBe(true);
    expect(two.created).toBe(false);
    expect(two.message.id).toBe(one.message.id);
    expect(other.message.seq).toBe(2);
    expect(await store.listMessagesAfter(conversationId, 0, 10)).toHaveLength(2);
  });

  it('returns an already stored message for a retry that shares a batch with new ones', async () => {
    const { conversationId, a } = await pair();
    const original = await append(conversationId, a, 'first');
    const [retry, next] = await Promise.all([
      append(conversationId, a, 'first'),
      append(conversationId, a, 'second'),
    ]);
    expect(retry).toEqual({ message: original.message, created: false });
    expect(next.message.seq).toBe(2);
  });

  it('fails only the appends to a conversation that does not exist', async () => {
    const { conversationId, a } = await pair();
    const results = await Promise.allSettled([
      append(conversationId, a, 'ok-1'),
      append('cnv_missing', a, 'lost'),
      append(conversationId, a, 'ok-2'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.listMessagesAfter(conversationId, 0, 10)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('refuses, in the append itself, a sender who is not a participant, and only them', async () => {
    // The send path checks access against a participant list up to a second old; the append is
    // where a removal that committed meanwhile still wins.
    const { conversationId, a } = await pair();
    const other = await pair();
    const results = await Promise.allSettled([
      append(conversationId, a, 'ok-1'),
      append(conversationId, other.a, 'not-a-member'),
      append(conversationId, a, 'ok-2'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(AppendRefusedError);
    expect((await store.listMessagesAfter(conversationId, 0, 10)).map((m) => m.clientMsgId)).toEqual([
      'ok-1',
      'ok-2',
    ]);
    expect((await store.findConversation(conversationId))!.lastSeq).toBe(2);
  });
});

/** On a SQLite file, message batches are committed by a writer thread: same rules, and durable. */
describe('group commit on a SQLite file (writer thread)', () => {
  it('allocates seqs, dedupes retries and survives reopening', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'carechat-writer-')), 'db.sqlite');
    let store: Store = await openStore({ url: `sqlite:${file}` });
    const [a, b] = ['usr_wa', 'usr_wb'];
    for (const id of [a, b]) {
      await store.insertUser({
        id,
        email: `${id}@example.test`,
        name: 'U',
        role: 'patient',
        passwordHash: null,
        createdAt: NOW,
      });
    }
    await store.transaction((tx) =>
      tx.conversations.insertConversation(
        {
          id: 'cnv_w',
          kind: 'direct',
          directKey: `${a}:${b}`,
          appointmentId: null,
          createdBy: a,
          createdAt: NOW,
          lastSeq: 0,
          lastActivityAt: NOW,
        },
        [a, b].map((userId) => ({
          conversationId: 'cnv_w',
          userId,
          joinedAt: NOW,
          lastReadSeq: 0,
          lastDeliveredSeq: 0,
          muted: false,
          pinned: false,
        })),
      ),
    );
    const append = (clientMsgId: string) =>
      store.appendMessage({
        id: newId('msg'),
        conversationId: 'cnv_w',
        senderId: a,
        clientMsgId,
        content: 'hi',
        replyTo: null,
        attachments: [],
        createdAt: NOW,
      });
    const results = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => append(`w-${i}`)),
      append('w-3'),
    ]);
    expect(results.slice(0, 50).map((r) => r.message.seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(results[50]).toEqual({ message: results[3]!.message, created: false });
    await expect(
      store.appendMessage({
        ...results[0]!.message,
        id: newId('msg'),
        conversationId: 'cnv_nope',
        clientMsgId: 'x',
      }),
    ).rejects.toThrow();

    // Receipts move markers on the writer thread too, many per commit: forward only, and each
    // caller learns the marker as stored after its own move.
    const moves = await Promise.all([
      store.advanceDeliveryMarker('cnv_w', b, 10),
      store.advanceDeliveryMarker('cnv_w', b, 30),
      store.advanceReadMarker('cnv_w', b, 5),
      store.advanceDeliveryMarker('cnv_w', b, 20),
      store.advanceReadMarker('cnv_w', b, 25),
      store.advanceDeliveryMarker('cnv_missing', b, 3),
    ]);
    expect(moves).toEqual([10, 30, 5, 30, 25, 0]);
    expect(await store.advanceDeliveryMarker('cnv_w', b, 12)).toBe(30);

    // So do sessions' last use (every returning socket touches its session): forward only.
    const security = securityStoreFor(store);
    await security.insertSessionFamily({
      id: 'ses_w',
      userId: a,
      tokenHash: 'h',
      createdAt: NOW,
      expiresAt: '2026-02-05T10:00:00.000Z',
      revokedAt: null,
      revokedReason: null,
      lastUsedAt: null,
      generation: 0,
      tokenSalt: null,
      rotatedAt: null,
    });
    await Promise.all([
      security.touchSession('ses_w', '2026-01-05T10:02:00.000Z'),
      security.touchSession('ses_w', '2026-01-05T10:05:00.000Z'),
      security.touchSession('ses_w', '2026-01-05T10:03:00.000Z'),
    ]);
    expect((await security.findSessionFamily('ses_w'))!.lastUsedAt).toBe('2026-01-05T10:05:00.000Z');
    await store.close();

    store = await openStore({ url: `sqlite:${file}` });
    expect((await store.listMessagesAfter('cnv_w', 0, 100)).map((m) => m.seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect((await store.findParticipant('cnv_w', a))!.lastReadSeq).toBe(50);
    expect(await store.findParticipant('cnv_w', b)).toMatchObject({ lastDeliveredSeq: 30, lastReadSeq: 25 });
    await store.close();
  });
});
