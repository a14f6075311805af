import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/dialects.js';
import { seedPair } from '../helpers/store-pair.js';

const NOW = '2026-01-05T10:00:00.000Z';

/** The store side of decision 1301: a session's place in a conversation, forward only. */
describe.each(DIALECTS)('delivery cursors on %s', (dialect) => {
  let test: TestStore;

  beforeAll(async () => {
    test = await createTestStore(dialect);
  });
  afterAll(() => test.dispose());

  it('keeps one cursor per session and conversation, moving forward only', async () => {
    const { store } = test;
    const { conversationId } = await seedPair(store, NOW);
    expect(await store.findDeliveryCursor('ses_a', conversationId)).toBeUndefined();
    await store.saveDeliveryCursor('ses_a', conversationId, 3, NOW);
    await store.saveDeliveryCursor('ses_a', conversationId, 7, NOW);
    await store.saveDeliveryCursor('ses_a', conversationId, 5, NOW);
    await store.saveDeliveryCursor('ses_b', conversationId, 1, NOW);
    expect(await store.findDeliveryCursor('ses_a', conversationId)).toBe(7);
    expect(await store.findDeliveryCursor('ses_b', conversationId)).toBe(1);
  });

  it("drops a conversation's cursors not saved since a given instant", async () => {
    const { store } = test;
    const { conversationId } = await seedPair(store, NOW);
    await store.saveDeliveryCursor('ses_old', conversationId, 2, '2025-11-01T00:00:00.000Z');
    await store.saveDeliveryCursor('ses_new', conversationId, 2, NOW);
    await store.deleteDeliveryCursorsBefore(conversationId, '2025-12-06T10:00:00.000Z');
    expect(await store.findDeliveryCursor('ses_old', conversationId)).toBeUndefined();
    expect(await store.findDeliveryCursor('ses_new', conversationId)).toBe(2);
  });
});
