import type { CompiledQuery, Kysely } from 'kysely';
import type { Pool } from 'pg';
import { translate } from './postgres-availability.js';
import type { Database } from './schema.js';

/** The pool under each database createPostgresDb made (postgres.ts). */
const pools = new WeakMap<Kysely<Database>, Pool>();

export function registerPool(db: Kysely<Database>, pool: Pool): void {
  pools.set(db, pool);
}

/**
 * Runs a statement whose text never changes as a named prepared statement: the pooled connection
 * that takes it parses and plans it the first time, and from then on only binds and executes it
 * (PostgreSQL keeps a generic plan once it costs no more than the custom ones, and plans again
 * when the tables' statistics move). The message append is one large statement per batch:
 * parsed and planned for every batch it cost 1.6 ms of PostgreSQL's time, prepared 0.65 ms
 * (docs/performance.md). A database made elsewhere runs the statement unnamed.
 */
export async function executePrepared<R>(
  db: Kysely<Database>,
  name: string,
  query: CompiledQuery,
): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) return (await db.executeQuery<R>(query)).rows as R[];
  // Checked out and given back as Kysely does: `pool.query` would close the connection on any
  // error of the statement (a unique violation is an answer), and its prepared statements with
  // it. A connection that failed is not queryable any more, and the pool drops it on release.
  const client = await pool.connect().catch((error: unknown) => translate(error));
  try {
    const result = await client.query({ name, text: query.sql, values: [...query.parameters] });
    return result.rows as R[];
  } catch (error) {
    translate(error);
  } finally {
    client.release();
  }
}
