import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { withAvailability } from './postgres-availability.js';
import { registerPool } from './postgres-prepared.js';
import { TableNamesIntrospector } from './postgres-table-names.js';
import type { Database } from './schema.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const CONNECT_TIMEOUT_MS = 5000;

/**
 * PostgreSQL through a pool. `schema` puts every table in its own schema (tests use one per run so
 * parallel runs never collide); it is created when missing.
 */
export async function createPostgresDb(
  url: string,
  schema?: string,
  /** Connections per process: group commit keeps several batches in flight beside the reads. */
  poolSize = 20,
): Promise<Kysely<Database>> {
  if (schema !== undefined) {
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${schema}"`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // A database that does not answer (a dead host) fails requests with `unavailable` in time,
    // rather than leaving them waiting for a connection.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // A client losing its connection emits 'error'; with no listener Node ends the process. The
  // pool listens while a client is idle, but not while it is checked out between two queries
  // (in a transaction): a restart of PostgreSQL under load then ended every node. Every client
  // listens for its whole life; the query that was running fails on its own, and the pool drops
  // the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  pool.on('error', () => {});
  const dialect = withAvailability(new PostgresDialect({ pool }));
  const db = new Kysely<Database>({
    // The migrator's questions answered from table names only (postgres-table-names.ts).
    dialect: { ...dialect, createIntrospector: (db) => new TableNamesIntrospector(db) },
  });
  // Statements prepared on the pool's connections run beside Kysely's (postgres-prepared.ts).
  registerPool(db, pool);
  return db;
}

/** Drops a schema made by createPostgresDb (test clean-up). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
