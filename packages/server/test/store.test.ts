import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { MessageRecord, Store } from '../src/core/ports/store.js';
import { StoreConflictError } from '../src/core/ports/store.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { seedConversation, seedUser } from './helpers/store-pair.js';

const NOW = '2026-01-05T10:00:00.000Z';

describe.each(DIALECTS)('store on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;

  beforeEach(async () => {
    testStore = await createTestStore(dialect);
    store = testStore.store;
  });
  afterEach(async () => {
    await testStore.dispose();
  });

  const user = (name = 'U') => seedUser(store, NOW, name);
  const conversation = (userIds: string[]) => seedConversation(store, NOW, userIds);

  function append(conversationId: string, senderId: string, clientMsgId: string, content = 'hello') {
    return store.appendMessage({
      id: newId('msg'),
      conversationId,
      senderId,
      clientMsgId,
      content,
      replyTo: null,
      attachments: [],
      createdAt: NOW,
    });
  }

  it('refuses a second user with the same email', async () => {
    const id = await user();
    const existing = await store.findUserById(id);
    await expect(store.insertUser({ ...existing!, id: newId('usr') })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
  });

  it('finds users by lower-cased email', async () => {
    const id = await user();
    expect((await store.findUserByEmail(`${id}@EXAMPLE.test`))?.id).toBe(id);
  });

  it('refuses a second 1:1 conversation of the same pair, writing nothing of it', async () => {
    const [a, b] = [await user(), await user()];
    await conversation([a, b]);
    const id = newId('cnv');
    const again = store.transaction((tx) =>
      tx.conversations.insertConversation(
        {
          id,
          kind: 'direct',
          directKey: [a, b].join(':'),
          appointmentId: null,
          createdBy: b,
          createdAt: NOW,
          lastSeq: 0,
          lastActivityAt: NOW,
        },
        [],
      ),
    );
    await expect(again).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.findConversation(id)).toBeUndefined();
  });

  it('allocates seqs 1..n and returns the stored message for a repeated client_msg_id', async () => {
    const [a, b] = [await user(), await user()];
    const c = await conversation([a, b]);
    const m1 = await append(c, a, 'x1');
    const m2 = await append(c, b, 'x1'); // same client id, other sender: a different message
    const retry = await append(c, a, 'x1', 'changed');
    expect([m1.message.seq, m2.message.seq]).toEqual([1, 2]);
    expect(retry).toMatchObject({ created: false, message: { id: m1.message.id, content: 'hello', seq: 1 } });
    expect((await store.findConversation(c))?.lastSeq).toBe(2);
  });

  it('gives 20 concurrent senders x 50 messages exactly seqs 1..1000', async () => {
    const senders = await Promise.all(Array.from({ length: 20 }, () => user()));
    const c = await conversation(senders);
    await Promise.all(
      senders.map(async (sender) => {
        for (let i = 0; i < 50; i++) await append(c, sender, `${sender}-${i}`);
      }),
    );
    const all: MessageRecord[] = [];
    let after = 0;
    for (;;) {
      const page = await store.listMessagesAfter(c, after, 200);
      if (page.length === 0) break;
      all.push(...page);
      after = page[page.length - 1]!.seq;
    }
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(new Set(all.map((m) => `${m.senderId}/${m.clientMsgId}`)).size).toBe(1000);
  });

  it('concurrent retries of one client_msg_id store it once', async () => {
    const [a, b] = [await user(), await user()];
    const c = await conversation([a, b]);
    const results = await Promise.all(Array.from({ length: 10 }, () => append(c, a, 'same')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    expect((await store.findConversation(c))?.lastSeq).toBe(1);
  });

  it('pages history both ways, oldest first', async () => {
    const [a, b] = [await user(), await user()];
    const c = await conversation([a, b]);
    for (let i = 1; i <= 10; i++) await append(c, a, `m${i}`);
    expect((await store.listMessagesAfter(c, 3, 4)).map((m) => m.seq)).toEqual([4, 5, 6, 7]);
    expect((await store.listMessagesBefore(c, 9, 3)).map((m) => m.seq)).toEqual([6, 7, 8]);
    expect((await store.listMessagesBefore(c, 3, 10)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('moves read markers forward only and counts unread from others', async () => {
    const [a, b] = [await user(), await user()];
    const c = await conversation([a, b]);
    for (let i = 1; i <= 5; i++) await append(c, a, `a${i}`);
    await append(c, b, 'b1'); // seq 6: b's own message moves b's marker to 6
    await append(c, a, 'a6'); // seq 7
    expect((await store.countUnread(b, [c])).get(c)).toBe(1);
    // a's own send at seq 7 implies a read b's seq 6.
    expect((await store.countUnread(a, [c])).get(c) ?? 0).toBe(0);
    expect(await store.advanceReadMarker(c, b, 7)).toBe(7);
    expect(await store.advanceReadMarker(c, b, 3)).toBe(7);
    expect((await store.countUnread(b, [c])).get(c) ?? 0).toBe(0);
    // Never past the conversation's end, whatever a client names.
    expect(await store.advanceReadMarker(c, b, 1_000)).toBe(7);
    expect(await store.advanceDeliveryMarker(c, b, 1_000)).toBe(7);
    expect(await store.advanceDeliveryMarker(c, b, 2)).toBe(7);
  });

  it('lists a user’s conversations newest activity first with their last message', async () => {
    const [a, b, d] = [await user(), await user(), await user()];
    const c1 = await conversation([a, b]);
    const c2 = await conversation([a, d]);
    await store.appendMessage({
      id: newId('msg'),
      conversationId: c1,
      senderId: b,
      clientMsgId: 'late',
      content: 'x',
      replyTo: null,
      attachments: [],
      createdAt: '2026-01-06T00:00:00.000Z',
    });
    const list = await store.listConversationsOfUser(a);
    expect(list.map((r) => r.conversation.id)).toEqual([c1, c2]);
    const last = await store.lastMessages([c1, c2]);
    expect(last.map((m) => m.clientMsgId)).toEqual(['late']);
  });

  it('says where each of a user’s conversations ends, and only theirs', async () => {
    const [a, b, d] = [await user(), await user(), await user()];
    const c1 = await conversation([a, b]);
    const c2 = await conversation([a, d]);
    const c3 = await conversation([b, d]);
    for (const id of ['m1', 'm2', 'm3']) await append(c1, b, id);
    await append(c3, d, 'other');
    expect(await store.listConversationEnds(a)).toEqual(
      new Map([
        [c1, 3],
        [c2, 0],
      ]),
    );
    expect(await store.listConversationEnds(newId('usr'))).toEqual(new Map());
  });

  it("lists a user's unread counts in every conversation, with their muted flags", async () => {
    const [a, b, c] = [await user(), await user(), await user()];
    const withA = await conversation([a, b]);
    const withC = await conversation([c, b]);
    const quiet = await conversation([b, a, c]);
    for (let i = 1; i <= 3; i++) await append(withA, a, `a${i}`);
    const { message } = await append(withA, a, 'a4');
    await store.transaction((tx) => tx.messages.markMessageDeleted(message.id, NOW));
    await append(withC, c, 'c1');
    await append(withC, b, 'b1'); // b's own send: read up to it
    await append(withC, c, 'c2');
    await store.updateParticipantSettings(withC, b, { muted: true });
    await store.advanceReadMarker(withA, b, 1);
    const rows = await store.listUnreadOfUser(b);
    const byId = new Map(rows.map((r) => [r.conversationId, r]));
    // After the marker, from others, not deleted: seqs 2 and 3 of withA; seq 3 of withC.
    expect(byId.get(withA)).toEqual({ conversationId: withA, unreadCount: 2, muted: false });
    expect(byId.get(withC)).toEqual({ conversationId: withC, unreadCount: 1, muted: true });
    expect(byId.get(quiet)).toEqual({ conversationId: quiet, unreadCount: 0, muted: false });
    expect(rows).toHaveLength(3);
    // The same counts countUnread gives, conversation by conversation.
    const counts = await store.countUnread(b, [withA, withC, quiet]);
    for (const row of rows) expect(row.unreadCount).toBe(counts.get(row.conversationId) ?? 0);
    expect(await store.listUnreadOfUser(newId('usr'))).toEqual([]);
  });

  it('deleting a message removes its content but keeps its seq', async () => {
    const [a, b] = [await user(), await user()];
    const c = await conversation([a, b]);
    const { message } = await append(c, a, 'd1', 'secret words');
    await store.transaction((tx) => tx.messages.markMessageDeleted(message.id, NOW));
    const stored = await store.findMessage(message.id);
    expect(stored).toMatchObject({ seq: 1, content: '', deletedAt: NOW });
  });
});
