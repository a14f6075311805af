import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, Migrator } from 'kysely';
import type { Store } from '../core/ports/store.js';
import { KyselyStore } from './kysely-store.js';
import { MAX_BATCHES_IN_FLIGHT } from './message-batcher.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';
import { createSqliteDb } from './sqlite.js';
import { leaveCheckpointsToTheWriter } from './wal-checkpoints-sqlite.js';

export interface OpenStoreOptions {
  /** `sqlite:<file>` (or `sqlite::memory:`) or `postgres://…`. */
  url: string;
  /** PostgreSQL only: the schema to use (created when missing). */
  schema?: string;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** PostgreSQL only: connections in the pool (default 20). */
  poolSize?: number;
  /** SQLite on a file: commit messages on a writer thread (default true). */
  writerThread?: boolean;
}

export async function openStore(options: OpenStoreOptions): Promise<KyselyStore> {
  const { db, dialect, sqliteDatabase } = await connect(options);
  if (options.migrate !== false) {
    await migrateToLatest(db, dialect === 'postgres' ? (options.schema ?? 'public') : undefined);
  }
  if (dialect === 'postgres') {
    const { createPostgresDb } = await import('./postgres.js');
    // Group commits get connections of their own (one per batch in flight), apart from the reads.
    const writeDb = await createPostgresDb(options.url, options.schema, MAX_BATCHES_IN_FLIGHT);
    return new KyselyStore(db, dialect, { writeDb });
  }
  const file = options.url.slice('sqlite:'.length);
  // An in-memory database cannot be shared with another thread; it writes in-thread.
  const threaded = file !== ':memory:' && options.writerThread !== false;
  if (threaded && sqliteDatabase) leaveCheckpointsToTheWriter(sqliteDatabase);
  return new KyselyStore(db, dialect, threaded ? { sqliteWriterFile: file } : { sqliteDatabase });
}

async function connect(
  options: OpenStoreOptions,
): Promise<{ db: Kysely<Database>; dialect: Store['dialect']; sqliteDatabase?: SqliteDatabase.Database }> {
  if (options.url.startsWith('sqlite:')) {
    const { db, database } = createSqliteDb(options.url.slice('sqlite:'.length));
    return { db, dialect: 'sqlite', sqliteDatabase: database };
  }
  if (/^postgres(ql)?:\/\//.test(options.url)) {
    // Loaded only here: a node on SQLite never loads the PostgreSQL client (pg) at start.
    const { createPostgresDb } = await import('./postgres.js');
    return { db: await createPostgresDb(options.url, options.schema, options.poolSize), dialect: 'postgres' };
  }
  throw new Error('DATABASE_URL must start with sqlite: or postgres://');
}

/**
 * `schema` (PostgreSQL) names where the migration bookkeeping lives: without it Kysely would take
 * another schema's lock table for this one's.
 */
export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<string[]> {
  // Branches add migrations side by side; an older-named one arriving later still runs.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    // Kysely's own introspection read every schema of the database, and one dropped meanwhile
    // (another run's, cleaning up) failed it with 3F000, 42P01 or 42703; PostgreSQL now answers
    // the migrator from table names alone (postgres-table-names.ts). Should such a failure still
    // come before any migration ran (no results), nothing was applied: look again.
    if (error && results === undefined && isSchemaVanished(error) && attempt < 8) {
      await new Promise((resume) => setTimeout(resume, 20 * attempt));
      continue;
    }
    if (error) throw error;
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
}

function isSchemaVanished(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '3F000' || code === '42P01' || code === '42703';
}
