import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import type { DomainEvent } from '../src/core/events.js';
import { newId } from '../src/core/ids.js';
import type { Store } from '../src/core/ports/store.js';
import { MemoryPresence } from '../src/core/presence.js';
import { PresenceService } from '../src/core/presence-service.js';
import { UserDirectory } from '../src/core/users.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { seedConversation, seedUser } from './helpers/store-pair.js';

const NOW = '2026-01-05T10:00:00.000Z';

/**
 * Issue 17, point 7: a node restarting under a reconnect storm announces thousands of users
 * online at once. Their contacts are read for many users at a time (one query per batch), and
 * every user's contacts still hear of them, once, with their name.
 */
describe.each(DIALECTS)('presence of a reconnect burst on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;

  beforeEach(async () => {
    testStore = await createTestStore(dialect);
    store = testStore.store;
  });
  afterEach(() => testStore.dispose());

  const user = (name: string) => seedUser(store, NOW, name);
  const conversation = (userIds: string[]) => seedConversation(store, NOW, userIds);

  it('lists the contacts of many users in one call, each once, and none for a user alone', async () => {
    const [a, b, c, d, loner] = await Promise.all(['A', 'B', 'C', 'D', 'L'].map(user));
    await conversation([a!, b!]);
    await conversation([a!, b!, c!]);
    await conversation([c!, d!]);
    const contacts = await store.listContactIds([a!, c!, loner!, a!, 'usr_unknown']);
    expect([...contacts.keys()].sort()).toEqual([a!, c!, loner!, 'usr_unknown'].sort());
    expect(contacts.get(a!)!.sort()).toEqual([b!, c!].sort());
    expect(contacts.get(c!)!.sort()).toEqual([a!, b!, d!].sort());
    expect(contacts.get(loner!)).toEqual([]);
    expect(contacts.get('usr_unknown')).toEqual([]);
    // Past one chunk of parameters (500 per statement).
    const many = await store.listContactIds([...Array.from({ length: 1200 }, () => newId('usr')), d!]);
    expect(many.size).toBe(1201);
    expect(many.get(d!)).toEqual([c!]);
  });

  it('announces a burst of users with one contacts read, each to their own contacts', async () => {
    const pairs = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const [patient, doctor] = await Promise.all([user(`P${i}`), user(`D${i}`)]);
        await conversation([patient!, doctor!]);
        return [patient!, doctor!] as const;
      }),
    );
    const loner = await user('Loner');
    const bus = new MemoryBus();
    const heard: DomainEvent[] = [];
    bus.subscribe((event) => heard.push(event));
    let contactReads = 0;
    const read = store.listContactIds.bind(store);
    const counted: Store = Object.create(store, {
      listContactIds: {
        value: (ids: readonly string[]) => {
          contactReads += 1;
          return read(ids);
        },
      },
    });
    const presence = new PresenceService({
      presence: new MemoryPresence(),
      store: counted,
      bus,
      clock: { now: () => new Date(NOW) },
      users: new UserDirectory(store),
      graceMs: 10_000,
    });
    const patients = pairs.map(([patient]) => patient);
    await Promise.all([...patients, loner].map((id) => presence.deviceConnected(id)));
    expect(contactReads).toBe(1);
    const online = heard.filter((e) => e.kind === 'presence.changed');
    expect(online).toHaveLength(40);
    for (const [i, [patient, doctor]] of pairs.entries()) {
      const event = online.find((e) => e.kind === 'presence.changed' && e.userId === patient);
      expect(event).toMatchObject({ recipients: [doctor], username: `P${i}`, status: 'online' });
    }
    // A second device is no news; the doctors' own burst is one more read.
    await presence.deviceConnected(patients[0]!);
    await Promise.all(pairs.map(([, doctor]) => presence.deviceConnected(doctor)));
    expect(contactReads).toBe(2);
    expect(heard.filter((e) => e.kind === 'presence.changed')).toHaveLength(80);
    presence.close();
  });

  it('lets waiting announcements go when closed, announcing nothing', async () => {
    const [a, b] = await Promise.all([user('A'), user('B')]);
    await conversation([a!, b!]);
    const bus = new MemoryBus();
    const heard: DomainEvent[] = [];
    bus.subscribe((event) => heard.push(event));
    const presence = new PresenceService({
      presence: new MemoryPresence(),
      store,
      bus,
      clock: { now: () => new Date(NOW) },
      users: new UserDirectory(store),
      graceMs: 10_000,
    });
    const connected = presence.deviceConnected(a!);
    // The announcement is queued once the tracker has answered.
    await new Promise((resolve) => setImmediate(resolve));
    presence.close();
    await connected;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual([]);
  });
});
