import { Kysely } from 'kysely';
import type { Store } from '../core/ports/store.js';
import type { Database } from './schema.js';

/**
 * Whether a store keeps its data in a Kysely database the care and security stores can share.
 * Asked of the value rather than by `instanceof KyselyStore`, so that kysely-store.ts (whose
 * transactions hand out a care store) and care-kysely-store.ts do not import each other.
 */
export function isKyselyBacked(store: Store): store is Store & { db: Kysely<Database> } {
  return 'db' in store && store.db instanceof Kysely;
}
