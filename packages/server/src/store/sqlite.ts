import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import type { Database } from './schema.js';
import { SqliteDialectInOrder } from './sqlite-dialect-in-order.js';

/**
 * The embedded default: one file, WAL for concurrent readers, fsync on every commit for durability.
 * Returns the driver's handle too: message appends run on it directly (message-append-sqlite.ts).
 */
export function createSqliteDb(file: string): { db: Kysely<Database>; database: SqliteDatabase.Database } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  // First: other connections (the writer thread, the workers of `serve --workers`) may hold the
  // file's locks while this one sets itself up.
  database.pragma('busy_timeout = 5000');
  database.pragma('journal_mode = WAL');
  // An acknowledged message must survive a crash or power loss, not only a process exit.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new SqliteDialectInOrder({ database: withStatementCache(database) }),
  });
  return { db, database };
}

/** Distinct statements kept prepared; beyond this the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query it runs; preparing costs more than running a simple one (a storm
 * of resumes spent most of its CPU there). Statements are reused by SQL text, which is safe
 * because kysely runs them to completion synchronously (no streaming queries here).
 */
function withStatementCache(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
