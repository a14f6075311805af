import { newId } from '../../src/core/ids.js';
import type { Store } from '../../src/core/ports/store.js';

/** A patient written straight into a store; returns its id. */
export async function seedUser(store: Store, now: string, name = 'U'): Promise<string> {
  const id = newId('usr');
  await store.insertUser({
    id,
    email: `${id}@example.test`,
    name,
    role: 'patient',
    passwordHash: null,
    createdAt: now,
  });
  return id;
}

/**
 * A conversation of these users (1:1 for two, a group otherwise), written straight into a store.
 * A 1:1's key joins the two ids in the order given (suites that write the same pair again build it so).
 */
export async function seedConversation(
  store: Store,
  now: string,
  userIds: readonly string[],
): Promise<string> {
  const id = newId('cnv');
  await store.transaction((tx) =>
    tx.conversations.insertConversation(
      {
        id,
        kind: userIds.length === 2 ? 'direct' : 'group',
        directKey: userIds.length === 2 ? userIds.join(':') : null,
        appointmentId: null,
        createdBy: userIds[0]!,
        createdAt: now,
        lastSeq: 0,
        lastActivityAt: now,
      },
      userIds.map((userId) => ({
        conversationId: id,
        userId,
        joinedAt: now,
        lastReadSeq: 0,
        lastDeliveredSeq: 0,
        muted: false,
        pinned: false,
      })),
    ),
  );
  return id;
}

/** Two patients and the 1:1 conversation between them, written straight into a store. */
export async function seedPair(
  store: Store,
  now: string,
): Promise<{ conversationId: string; a: string; b: string }> {
  const a = await seedUser(store, now);
  const b = await seedUser(store, now);
  return { conversationId: await seedConversation(store, now, [a, b]), a, b };
}
