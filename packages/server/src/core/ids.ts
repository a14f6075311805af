import { randomBytes } from 'node:crypto';

/**
 * Ids are opaque to clients. A millisecond timestamp prefix keeps them roughly time-ordered (kind
 * to B-tree indexes); 80 random bits keep them unguessable and unique across nodes.
 */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${time}${randomBytes(10).toString('base64url')}`;
}

/** A random secret for session and refresh tokens (256 bits). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
