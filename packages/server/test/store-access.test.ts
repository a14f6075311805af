import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/core/ports/store.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';

const NOW = '2026-01-05T10:00:00.000Z';

/** The one-query read behind every access check answers like findConversation + listParticipants. */
describe.each(DIALECTS)('conversation with participants on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;
  beforeEach(async () => {
    testStore = await createTestStore(dialect);
    store = testStore.store;
  });
  afterEach(async () => {
    await testStore.dispose();
  });

  it('returns the conversation with its participants in listParticipants order, or nothing', async () => {
    for (const id of ['usr_a', 'usr_b', 'usr_c']) {
      await store.insertUser({
        id,
        email: `${id}@example.test`,
        name: 'U',
        role: 'patient',
        passwordHash: null,
        createdAt: NOW,
      });
    }
    const participants = ['usr_c', 'usr_a', 'usr_b'].map((userId, i) => ({
      conversationId: 'cnv_g',
      userId,
      joinedAt: `2026-01-05T10:00:0${i % 2}.000Z`,
      lastReadSeq: i,
      lastDeliveredSeq: 0,
      muted: i === 1,
      pinned: false,
    }));
    await store.transaction((tx) =>
      tx.conversations.insertConversation(
        {
          id: 'cnv_g',
          kind: 'group',
          directKey: null,
          appointmentId: null,
          createdBy: 'usr_a',
          createdAt: NOW,
          lastSeq: 0,
          lastActivityAt: NOW,
        },
        participants,
      ),
    );
    const found = await store.findConversationWithParticipants!('cnv_g');
    expect(found?.conversation).toEqual(await store.findConversation('cnv_g'));
    expect(found?.participants).toEqual(await store.listParticipants(['cnv_g']));
    expect(await store.findConversationWithParticipants!('cnv_missing')).toBeUndefined();
  });
});
