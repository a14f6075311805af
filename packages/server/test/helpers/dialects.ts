import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Store } from '../../src/core/ports/store.js';
import { openStore } from '../../src/store/open-store.js';
import { dropPostgresSchema } from '../../src/store/postgres.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Dialect = 'sqlite' | 'postgres';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The dialects every store-backed suite runs on. PostgreSQL is required in CI; elsewhere a missing
 * server skips its half of the suite with a loud notice rather than failing a laptop run.
 */
export const DIALECTS: Dialect[] = await (async () => {
  if (await postgresReachable()) return ['sqlite', 'postgres'];
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL is required in CI but ${TEST_DATABASE_URL} is not reachable`);
  }
  process.stderr.write(
    `\n*** PostgreSQL at ${TEST_DATABASE_URL} is not reachable: SKIPPING the PostgreSQL half of the store suites ***\n\n`,
  );
  return ['sqlite'];
})();

export interface TestStore {
  store: Store;
  /** PostgreSQL: the schema it lives in (for server processes started on it). */
  schema?: string;
  /** Closes the store and removes its database (file or schema). */
  dispose(): Promise<void>;
}

/** A fresh, migrated, private store: an in-memory SQLite database or a PostgreSQL schema of its own. */
export async function createTestStore(
  dialect: Dialect,
  options: { sqliteFile?: string } = {},
): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const store = await openStore({ url: `sqlite:${options.sqliteFile ?? ':memory:'}` });
    return { store, dispose: () => store.close() };
  }
  const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  const store = await openStore({ url: TEST_DATABASE_URL, schema });
  return {
    store,
    schema,
    async dispose() {
      await store.close();
      await dropPostgresSchema(TEST_DATABASE_URL, schema);
    },
  };
}
