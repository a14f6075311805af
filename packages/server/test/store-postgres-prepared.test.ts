import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { NewMessage } from '../src/core/ports/message-store.js';
import { appendPostgresBatch } from '../src/store/message-append-postgres.js';
import { openStore } from '../src/store/open-store.js';
import { createPostgresDb, dropPostgresSchema } from '../src/store/postgres.js';
import { DIALECTS, TEST_DATABASE_URL } from './helpers/dialects.js';
import { seedPair } from './helpers/store-pair.js';

const NOW = '2026-01-05T10:00:00.000Z';

/**
 * PostgreSQL's message append and its receipts' markers are one statement each whose text never
 * changes, prepared once per connection (store/postgres-prepared.ts) rather than parsed and
 * planned for every batch.
 */
describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL statements prepared once', () => {
  it('is prepared on the connection that runs it and keeps working when a migration adds a column', async () => {
    const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
    const store = await openStore({ url: TEST_DATABASE_URL, schema });
    // One connection: what the append prepared is visible to the next query.
    const db = await createPostgresDb(TEST_DATABASE_URL, schema, 1);
    try {
      const { conversationId, a } = await seedPair(store, NOW);
      const input = (clientMsgId: string, content: string): NewMessage => ({
        id: newId('msg'),
        conversationId,
        senderId: a,
        clientMsgId,
        content,
        replyTo: null,
        attachments: [],
        createdAt: NOW,
      });
      // The columns travel as arrays: quotes, backslashes, braces and commas come back as sent.
      const awkward = 'A "quote", a \\ backslash, {braces} and ünïcode';
      const [first] = await appendPostgresBatch(db, [input('one', awkward)]);
      expect(first).toMatchObject({ created: true, message: { seq: 1, content: awkward } });
      // A statement that fails (an attachment that is not the sender's upload) is an answer: the
      // connection, and what it prepared, stay.
      const unbindable = {
        ...input('with-file', 'see attached'),
        attachments: [{ id: 'att_nobody', name: 'x.pdf', content_type: 'application/pdf', size: 1 }],
      };
      await expect(appendPostgresBatch(db, [unbindable])).rejects.toThrow(/attachment not bindable/);
      const prepared = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(db);
      expect(prepared.rows.map((r) => r.name).sort()).toEqual([
        'carechat_append',
        'carechat_append_attached',
      ]);

      // A node still running while another one migrates: a statement answering `*` would now fail
      // with "cached plan must not change result type".
      await sql`alter table messages add column added_later text`.execute(db);
      const results = await appendPostgresBatch(db, [
        input('two', 'b'),
        input('three', 'c'),
        input('one', 'again'),
      ]);
      expect(results.map((r) => (r instanceof Error ? r.message : [r.created, r.message.seq]))).toEqual([
        [true, 2],
        [true, 3],
        [false, 1],
      ]);
    } finally {
      await db.destroy();
      await store.close();
      await dropPostgresSchema(TEST_DATABASE_URL, schema);
    }
  });

  it('moves the receipts of one turn in one statement: forward only, capped, each kind on its own', async () => {
    const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
    const store = await openStore({ url: TEST_DATABASE_URL, schema });
    try {
      const { conversationId: c, a, b } = await seedPair(store, NOW);
      for (let i = 1; i <= 7; i++) {
        await store.appendMessage({
          id: newId('msg'),
          conversationId: c,
          senderId: a,
          clientMsgId: `m-${i}`,
          content: 'x',
          replyTo: null,
          attachments: [],
          createdAt: NOW,
        });
      }
      // One turn: one statement. Each caller learns its marker as stored after the whole turn.
      const moves = await Promise.all([
        store.advanceDeliveryMarker(c, b, 3),
        store.advanceDeliveryMarker(c, b, 5),
        store.advanceDeliveryMarker(c, b, 1_000),
        store.advanceDeliveryMarker('cnv_missing', b, 3),
      ]);
      expect(moves).toEqual([7, 7, 7, 0]);
      // A turn of delivery receipts left the read marker alone, and one of read receipts the
      // delivery marker.
      const [read] = await Promise.all([store.advanceReadMarker(c, b, 2), store.advanceReadMarker(c, b, 4)]);
      expect(read).toBe(4);
      const [participant] = (await store.listParticipants([c])).filter((p) => p.userId === b);
      expect(participant).toMatchObject({ lastReadSeq: 4, lastDeliveredSeq: 7 });
      // Never backwards.
      expect(await store.advanceReadMarker(c, b, 1)).toBe(4);
      expect(await store.advanceDeliveryMarker(c, b, 2)).toBe(7);
    } finally {
      await store.close();
      await dropPostgresSchema(TEST_DATABASE_URL, schema);
    }
  });
});
