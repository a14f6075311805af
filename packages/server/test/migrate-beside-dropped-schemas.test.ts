import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { dropPostgresSchema } from '../src/store/postgres.js';
import { DIALECTS, TEST_DATABASE_URL } from './helpers/dialects.js';

/**
 * Test runs (and a production database shared with other applications) create and drop schemas
 * beside ours. Kysely's migrator reads the catalog of every schema before it starts; a table or a
 * column dropped between its snapshot and a lookup used to fail the start of a node (seen in CI:
 * "column "role" of relation "users" does not exist" while another run cleaned up).
 */
describe.runIf(DIALECTS.includes('postgres'))('migrating beside schemas that come and go', () => {
  it('starts every time while another connection creates and drops schemas', async () => {
    const churner = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await churner.connect();
    let churning = true;
    const churn = (async () => {
      for (let round = 0; churning; round++) {
        // Whole schemas go (another run cleaning up), and columns go from tables that stay.
        const name = `churn_${process.pid}_${round}`;
        const columns = Array.from({ length: 12 }, (_, i) => `c${i} serial`).join(', ');
        const tables = Array.from(
          { length: 20 },
          (_, i) => `create table "${name}".t${i} (${columns});`,
        ).join('');
        await churner.query(`create schema "${name}"; ${tables}`);
        for (let i = 0; i < 20; i++)
          await churner.query(`alter table "${name}".t${i} drop column c${i % 12}`);
        await churner.query(`drop schema "${name}" cascade`);
      }
    })();
    const started: string[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const schema = `mig_${randomBytes(4).toString('hex')}`;
        const store = await openStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
        started.push(schema);
        await store.close();
        await dropPostgresSchema(TEST_DATABASE_URL, schema);
      }
    } finally {
      churning = false;
      await churn;
      await churner.end();
    }
    expect(started).toHaveLength(12);
  }, 120_000);
});
