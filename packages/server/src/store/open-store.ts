import { type Kysely, Migrator } from 'kysely';
import { KyselyStore } from './kysely-store.js';
import { MAX_BATCHES_IN_FLIGHT } from './message-batcher.js';
import { migrations } from './migrations/index.js';
import { createPostgresDb } from './postgres.js';
import type { Database } from './schema.js';
import { createSqliteDb } from './sqlite.js';
import type { Store } from './store.js';

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
  const { db, dialect } = await connect(options);
  if (options.migrate !== false) await migrateToLatest(db, options.schema);
  if (dialect === 'postgres') {
    // Group commits get connections of their own (one per batch in flight), apart from the reads.
    const writeDb = await createPostgresDb(options.url, options.schema, MAX_BATCHES_IN_FLIGHT);
    return new KyselyStore(db, dialect, { writeDb });
  }
  const file = options.url.slice('sqlite:'.length);
  // An in-memory database cannot be shared with another thread; it writes in-thread.
  const threaded = file !== ':memory:' && options.writerThread !== false;
  return new KyselyStore(db, dialect, threaded ? { sqliteWriterFile: file } : {});
}

async function connect(
  options: OpenStoreOptions,
): Promise<{ db: Kysely<Database>; dialect: Store['dialect'] }> {
  if (options.url.startsWith('sqlite:')) {
    return { db: createSqliteDb(options.url.slice('sqlite:'.length)), dialect: 'sqlite' };
  }
  if (/^postgres(ql)?:\/\//.test(options.url)) {
    return { db: await createPostgresDb(options.url, options.schema, options.poolSize), dialect: 'postgres' };
  }
  throw new Error('DATABASE_URL must start with sqlite: or postgres://');
}

export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Named explicitly: Kysely otherwise finds another schema's migration tables and uses ours.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely looks for its migration tables across every schema; a schema dropped meanwhile (parallel
  // test runs clean up theirs) fails that look-up with invalid_schema_name. Looking again is safe.
  for (
    let attempt = 0;
    attempt < 5 && (error as { code?: string } | undefined)?.code === '3F000';
    attempt++
  ) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
