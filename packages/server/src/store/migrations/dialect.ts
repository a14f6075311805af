import { type Kysely, SqliteAdapter } from 'kysely';

/** The few migrations that must differ by dialect (full-text search) ask here. */
export function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}
