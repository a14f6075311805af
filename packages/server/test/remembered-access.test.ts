import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * A send checks access against a participant list remembered for a second (core/remembered-access.ts);
 * the events of a removal make every node forget it. When the event does not arrive (the bus
 * between the nodes is away), the append itself still refuses a sender who was removed.
 */
describe.each(DIALECTS)('a removed participant on a node that did not hear it (%s)', (dialect) => {
  let store: TestStore;
  let a: TestServer;
  let b: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  let relative: TestUser;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    // Two nodes on one database, each with a bus of its own: nothing published on one reaches the other.
    a = await startServer({ shared: { store, bus: new MemoryBus() } });
    b = await startServer({ shared: { store, bus: new MemoryBus() } });
    [doctor, patient, relative] = await Promise.all([
      registerUser(a.url, { role: 'practitioner' }),
      registerUser(a.url),
      registerUser(a.url),
    ]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await store?.dispose();
  });

  it('is refused by the append, and nothing of the message is stored', async () => {
    const conversation = await openConversation(a.url, doctor, patient, relative);
    // Node b now remembers who is in the conversation.
    expect((await sendHttp(b.url, relative, conversation.id, 'before')).status).toBe(201);
    const removed = await request(
      a.url,
      'DELETE',
      `/api/conversations/${conversation.id}/participants/${relative.user.id}`,
      {
        token: doctor.token,
      },
    );
    expect(removed.status).toBeLessThan(300);

    const refused = await sendHttp(b.url, relative, conversation.id, 'after removal');
    expect(refused.status).toBe(403);
    expect((refused.body as unknown as { error: { code: string } }).error.code).toBe('not_participant');
    // And from then on from a fresh read.
    expect((await sendHttp(b.url, relative, conversation.id, 'again')).status).toBe(403);

    const stored = await store.store.listMessagesAfter(conversation.id, 0, 10);
    expect(stored.map((m) => m.seq)).toEqual([1]);
    expect((await store.store.findConversation(conversation.id))!.lastSeq).toBe(1);
    // The others go on writing, gap-free.
    expect((await sendHttp(b.url, patient, conversation.id, 'still here')).body.message.seq).toBe(2);
  });
});
