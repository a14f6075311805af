import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids come from a pool refilled 4 KiB at a time: one call into the CSPRNG per
 * ~400 ids instead of one per id (every message, audit row and upload takes one).
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomSlice(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += size;
  return pool.subarray(poolOffset - size, poolOffset);
}

/**
 * Ids are opaque to clients. A millisecond timestamp prefix keeps them roughly time-ordered (kind
 * to B-tree indexes); 80 random bits keep them unguessable and unique across nodes.
 */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${time}${randomSlice(10).toString('base64url')}`;
}

/** A random secret for session and refresh tokens (256 bits). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
