import SqliteDatabase from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDialectInOrder } from '../src/store/sqlite-dialect-in-order.js';

/**
 * The one SQLite connection is handed to queries in the order they asked, one at a time, and a
 * transaction keeps it until it ends (store/sqlite-dialect-in-order.ts).
 */
describe('SqliteDialectInOrder', () => {
  let db: Kysely<{ t: { n: number } }>;

  beforeEach(async () => {
    db = new Kysely({ dialect: new SqliteDialectInOrder({ database: new SqliteDatabase(':memory:') }) });
    await sql`create table t (n integer not null)`.execute(db);
  });
  afterEach(() => db.destroy());

  it('answers thousands of queries asked at once, each once, in the order asked', async () => {
    const answered: number[] = [];
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        sql<{ i: number }>`select ${i} as i`.execute(db).then((r) => answered.push(r.rows[0]!.i)),
      ),
    );
    expect(answered).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('keeps the connection for a transaction: a query asked meanwhile runs after it commits', async () => {
    let inside: Promise<number> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ n: 1 }).execute();
      // Asked outside the transaction while it holds the connection: it must not run inside it.
      inside = db
        .selectFrom('t')
        .select((eb) => eb.fn.countAll<number>().as('c'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.c));
      await new Promise((resolve) => setImmediate(resolve));
      await trx.insertInto('t').values({ n: 2 }).execute();
    });
    expect(await inside).toBe(2);
  });

  it('gives the connection back when a query or a transaction fails', async () => {
    await expect(sql`select * from missing_table`.execute(db)).rejects.toThrow();
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ n: 3 }).execute();
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const rows = await db.selectFrom('t').selectAll().execute();
    expect(rows).toEqual([]);
  });
});
