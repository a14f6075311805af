import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { Store } from '../src/core/ports/store.js';
import { openStore } from '../src/store/open-store.js';
import { seedPair } from './helpers/store-pair.js';

const NOW = '2026-01-05T10:00:00.000Z';

/**
 * On a SQLite file the writer thread checkpoints the WAL between its transactions
 * (store/wal-checkpoints-sqlite.ts), and no connection checkpoints inside its commit until a far
 * safety net (10,000 pages, 40 MB). Lone sends write about 16 pages each: without the writer's
 * checkpoints, 1,500 of them would grow the WAL to the safety net.
 */
let dir: string;
let file: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'carechat-wal-'));
  file = join(dir, 'carechat.db');
  store = await openStore({ url: `sqlite:${file}` });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('keeps the WAL small under a steady stream of lone sends, checkpointing between commits', async () => {
  const { conversationId, a } = await seedPair(store, NOW);
  for (let i = 0; i < 1500; i++) {
    await store.appendMessage({
      id: newId('msg'),
      conversationId,
      senderId: a,
      clientMsgId: newId('c'),
      content: `dose ${i}`,
      replyTo: null,
      attachments: [],
      createdAt: NOW,
    });
  }
  const pages = statSync(`${file}-wal`).size / 4096;
  expect(pages).toBeLessThan(4000);
  // Everything committed reaches the database file without anyone else's checkpoint.
  await new Promise((r) => setTimeout(r, 400));
  const db = new SqliteDatabase(file);
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(result!.checkpointed).toBe(result!.log);
  } finally {
    db.close();
  }
});
