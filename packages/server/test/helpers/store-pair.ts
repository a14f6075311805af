import { newId } from '../../src/core/ids.js';
import type { Store } from '../../src/core/ports/store.js';

/** Two patients and the 1:1 conversation between them, written straight into a store. */
export async function seedPair(
  store: Store,
  now: string,
): Promise<{ conversationId: string; a: string; b: string }> {
  const [a, b] = [newId('usr'), newId('usr')];
  for (const id of [a, b]) {
    await store.insertUser({
      id,
      email: `${id}@example.test`,
      name: 'U',
      role: 'patient',
      passwordHash: null,
      createdAt: now,
    });
  }
  const conversationId = newId('cnv');
  await store.transaction((tx) =>
    tx.conversations.insertConversation(
      {
        id: conversationId,
        kind: 'direct',
        directKey: `${a}:${b}`,
        appointmentId: null,
        createdBy: a,
        createdAt: now,
        lastSeq: 0,
        lastActivityAt: now,
      },
      [a, b].map((userId) => ({
        conversationId,
        userId,
        joinedAt: now,
        lastReadSeq: 0,
        lastDeliveredSeq: 0,
        muted: false,
        pinned: false,
      })),
    ),
  );
  return { conversationId, a, b };
}
