import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { Store } from '../src/core/ports/store.js';
import { openStore } from '../src/store/open-store.js';
import { seedPair } from './helpers/store-pair.js';

const NOW = '2026-01-05T10:00:00.000Z';

/**
 * On SQLite a new message enters the full-text index after its commit, in bulk
 * (store/search-index-sqlite.ts, migration 0015). A search still finds every message committed
 * before it, edits and deletions keep the index true whether or not the message was indexed yet,
 * and messages left waiting by a process that stopped are indexed by the next.
 */
function harness(kind: 'file' | 'memory') {
  const h = {
    dir: '',
    file: '',
    store: undefined as unknown as Store,
    open: async () => {
      h.store = await openStore({ url: `sqlite:${h.file}` });
    },
    send: (conversationId: string, senderId: string, content: string) =>
      h.store.appendMessage({
        id: newId('msg'),
        conversationId,
        senderId,
        clientMsgId: newId('c'),
        content,
        replyTo: null,
        attachments: [],
        createdAt: NOW,
      }),
    found: async (userId: string, query: string) =>
      (await h.store.searchMessages(userId, query, 50)).map((m) => m.content).sort(),
    /** A connection of the test's own to the file: what is stored, not what the store says. */
    raw: <T>(work: (db: SqliteDatabase.Database) => T): T => {
      const db = new SqliteDatabase(h.file);
      try {
        return work(db);
      } finally {
        db.close();
      }
    },
    waiting: () =>
      h.raw((db) => (db.prepare('select count(*) as n from messages_fts_pending').get() as { n: number }).n),
    /** FTS5 compares its index with the messages table, and throws on any difference. */
    indexMatchesMessages: () =>
      h.raw((db) =>
        db.prepare(`insert into messages_fts (messages_fts, rank) values ('integrity-check', 1)`).run(),
      ),
  };
  beforeEach(async () => {
    h.dir = mkdtempSync(join(tmpdir(), 'carechat-search-index-'));
    h.file = kind === 'file' ? join(h.dir, 'carechat.db') : ':memory:';
    await h.open();
  });
  afterEach(async () => {
    await h.store.close();
    rmSync(h.dir, { recursive: true, force: true });
  });
  return h;
}

describe.each(['file', 'memory'] as const)('SQLite search index after the commit (%s)', (kind) => {
  const h = harness(kind);

  it('finds every message committed before the search, at once', async () => {
    const { conversationId, a, b } = await seedPair(h.store, NOW);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => h.send(conversationId, i % 2 ? a : b, `ibuprofen dose ${i}`)),
    );
    expect(await h.found(a, 'ibuprofen')).toHaveLength(30);
    await h.send(conversationId, a, 'Ibuprofène après le repas');
    expect(await h.found(b, 'ibuprofene')).toEqual(['Ibuprofène après le repas']);
  });

  it('keeps the index true when a message is edited or deleted before and after it is indexed', async () => {
    const { conversationId, a } = await seedPair(h.store, NOW);
    const edited = await h.send(conversationId, a, 'amoxicillin twice a day');
    const deleted = await h.send(conversationId, a, 'paracetamol at night');
    // Edited and deleted while still waiting for the index.
    await h.store.transaction(async (tx) => {
      await tx.messages.updateMessageContent(edited.message.id, 'azithromycin once a day', NOW);
      await tx.messages.markMessageDeleted(deleted.message.id, NOW);
    });
    expect(await h.found(a, 'amoxicillin')).toEqual([]);
    expect(await h.found(a, 'azithromycin')).toEqual(['azithromycin once a day']);
    expect(await h.found(a, 'paracetamol')).toEqual([]);
    // Indexed now (the searches above saw to it): edited and deleted again.
    await h.store.transaction((tx) =>
      tx.messages.updateMessageContent(edited.message.id, 'doxycycline with water', NOW),
    );
    expect(await h.found(a, 'azithromycin')).toEqual([]);
    expect(await h.found(a, 'doxycycline')).toEqual(['doxycycline with water']);
    await h.store.transaction((tx) => tx.messages.markMessageDeleted(edited.message.id, NOW));
    expect(await h.found(a, 'doxycycline')).toEqual([]);
  });
});

describe('SQLite search index after the commit, on a file', () => {
  const h = harness('file');

  /** Puts a message back in the state of one committed but not yet indexed (the store closed). */
  const leaveWaiting = (content: string) =>
    h.raw((db) => {
      const { rowid } = db.prepare('select rowid from messages where content = ?').get(content) as {
        rowid: number;
      };
      if (db.prepare('select 1 from messages_fts_pending where message_rowid = ?').get(rowid)) return;
      db.prepare(`insert into messages_fts (messages_fts, rowid, content) values ('delete', ?, ?)`).run(
        rowid,
        content,
      );
      db.prepare('insert into messages_fts_pending (message_rowid) values (?)').run(rowid);
    });

  it('indexes waiting messages by itself, soon after their commit', async () => {
    const { conversationId, a } = await seedPair(h.store, NOW);
    await h.send(conversationId, a, 'metformin with breakfast');
    await until(() => h.waiting() === 0);
    h.indexMatchesMessages();
  });

  it('indexes a backlog in steps, by itself', async () => {
    const { conversationId, a, b } = await seedPair(h.store, NOW);
    await Promise.all(
      Array.from({ length: 450 }, (_, i) => h.send(conversationId, i % 2 ? a : b, `backlog ${i} statin`)),
    );
    await until(() => h.waiting() === 0);
    h.indexMatchesMessages();
    expect(await h.found(a, 'statin')).toHaveLength(50);
    expect(
      h.raw((db) =>
        db.prepare(`select count(*) as n from messages_fts where messages_fts match 'statin'`).get(),
      ),
    ).toEqual({ n: 450 });
  });

  it('checks its index against the messages (the check the other tests rely on)', async () => {
    const { conversationId, a } = await seedPair(h.store, NOW);
    await h.send(conversationId, a, 'warfarin dose changed');
    expect(await h.found(a, 'warfarin')).toHaveLength(1);
    h.raw((db) => db.prepare(`insert into messages_fts (rowid, content) values (12345, 'warfarin')`).run());
    expect(() => h.indexMatchesMessages()).toThrow();
  });

  it('keeps the index true when edits and deletions race the indexing', async () => {
    const { conversationId, a } = await seedPair(h.store, NOW);
    for (let i = 0; i < 40; i++) {
      const sent = await h.send(conversationId, a, `round ${i} amlodipine`);
      if (i % 3 === 0)
        await h.store.transaction((tx) => tx.messages.markMessageDeleted(sent.message.id, NOW));
      else if (i % 3 === 1)
        await h.store.transaction((tx) =>
          tx.messages.updateMessageContent(sent.message.id, `round ${i} losartan`, NOW),
        );
      await new Promise((r) => setTimeout(r, i * 3));
    }
    await until(() => h.waiting() === 0);
    h.indexMatchesMessages();
    expect(await h.found(a, 'amlodipine')).toHaveLength(13);
    expect(await h.found(a, 'losartan')).toHaveLength(13);
  });

  it('removes deleted rows from the index whether they were indexed or waiting', async () => {
    const { conversationId, a } = await seedPair(h.store, NOW);
    await h.send(conversationId, a, 'lisinopril in the morning');
    expect(await h.found(a, 'lisinopril')).toHaveLength(1);
    await h.send(conversationId, a, 'atorvastatin in the evening');
    await h.store.close();
    leaveWaiting('atorvastatin in the evening');
    expect(h.waiting()).toBe(1);
    // As retention and erasure do: the rows themselves go, one indexed and one waiting.
    h.raw((db) =>
      expect(db.prepare('delete from messages where conversation_id = ?').run(conversationId).changes).toBe(
        2,
      ),
    );
    expect(h.waiting()).toBe(0);
    h.indexMatchesMessages();
    await h.open();
    expect(await h.found(a, 'lisinopril')).toEqual([]);
  });

  it('indexes what a stopped process left waiting when the next one starts', async () => {
    const { conversationId, a } = await seedPair(h.store, NOW);
    await h.send(conversationId, a, 'insulin before lunch');
    await h.store.close();
    leaveWaiting('insulin before lunch');
    expect(h.waiting()).toBe(1);
    await h.open();
    await until(() => h.waiting() === 0);
    h.indexMatchesMessages();
    expect(await h.found(a, 'insulin')).toEqual(['insulin before lunch']);
  });
});

async function until(condition: () => boolean): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > 10_000) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
