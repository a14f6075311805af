import type { AccountStatus, User } from '@carechat/protocol';
import type { Store, UserRecord } from './ports/store.js';

/** The wire form of a user as `viewerId` may see it: email and status only to the user themself and admins. */
export function toWireUser(user: UserRecord, viewer: { userId: string; role: string }): User {
  const wire: User = { id: user.id, name: user.name, role: user.role };
  if (viewer.userId === user.id || viewer.role === 'admin') {
    wire.email = user.email;
    wire.status = statusOf(user);
  }
  return wire;
}

export function statusOf(user: Pick<UserRecord, 'status'>): AccountStatus {
  return user.status ?? 'active';
}

/**
 * The one rule of who others may find, book and message: an active account. A practitioner who
 * signed up and waits for an admin's approval (or was rejected) is, to everyone else, no one:
 * search leaves them out, and booking or starting a conversation with them answers `not_found`,
 * as for an id that does not exist.
 */
export function isReachable(user: Pick<UserRecord, 'status'>): boolean {
  return statusOf(user) === 'active';
}

/**
 * Users by id, cached briefly: every delivered message needs its sender's name, and names change
 * rarely. `forget` drops an entry when a user is updated on this node.
 */
export class UserDirectory {
  readonly #cache = new Map<string, { user: UserRecord; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 50_000,
  ) {}

  async get(id: string): Promise<UserRecord | undefined> {
    const [user] = await this.getMany([id]);
    return user;
  }

  async getMany(ids: readonly string[]): Promise<UserRecord[]> {
    const now = Date.now();
    const found = new Map<string, UserRecord>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.#cache.get(id);
      if (hit && hit.until > now) found.set(id, hit.user);
      else missing.push(id);
    }
    if (missing.length > 0) {
      for (const user of await this.store.findUsersByIds(missing)) {
        found.set(user.id, user);
        this.remember(user, now);
      }
    }
    return ids.flatMap((id) => {
      const user = found.get(id);
      return user ? [user] : [];
    });
  }

  forget(id: string): void {
    this.#cache.delete(id);
  }

  private remember(user: UserRecord, now: number): void {
    if (this.#cache.size >= this.maxEntries) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(user.id, { user, until: now + this.ttlMs });
  }
}
