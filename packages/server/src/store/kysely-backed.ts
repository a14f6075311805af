import { Kysely } from 'kysely';
import type { Store } from '../core/ports/store.js';
import type { Database } from './schema.js';

/** What the stores built on another store's database (care, security, practices…) take from it. */
export interface KyselyBacked {
  readonly db: Kysely<Database>;
  /**
   * Where sessions' last use is written, when not through `db` (on a SQLite file, the writer
   * thread writes it: kysely-store.ts); undefined: the security store writes it itself.
   */
  readonly touchSession?: ((sessionId: string, at: string) => Promise<void>) | undefined;
}

/**
 * Whether a store keeps its data in a Kysely database the care and security stores can share.
 * Asked of the value rather than by `instanceof KyselyStore`, so that kysely-store.ts (whose
 * transactions hand out a care store) and care-kysely-store.ts do not import each other.
 */
export function isKyselyBacked(store: Store): store is Store & KyselyBacked {
  return 'db' in store && store.db instanceof Kysely;
}
