import type { CareStore } from './ports/care-store.js';
import type { UserDirectory } from './users.js';

/**
 * Usernames, as clients that address people by username see them (seed 001's `sender` and
 * `receiver`): a user's host-platform external id when the host pushed them under one (a Django
 * site pushes its usernames), otherwise their carechat id. One name per user, both ways.
 */
export class Usernames {
  constructor(
    private readonly d: {
      care: Pick<CareStore, 'findExternalIds' | 'findUserIdByExternalId'>;
      users: UserDirectory;
    },
  ) {}

  async of(userIds: readonly string[]): Promise<Map<string, string>> {
    const external = await this.d.care.findExternalIds(userIds);
    return new Map(userIds.map((id) => [id, external.get(id) ?? id]));
  }

  /** The user a username names, if any (an external id first, then a carechat id). */
  async resolve(username: string): Promise<string | undefined> {
    const byExternal = await this.d.care.findUserIdByExternalId(username);
    if (byExternal) return byExternal;
    return (await this.d.users.get(username))?.id;
  }
}
