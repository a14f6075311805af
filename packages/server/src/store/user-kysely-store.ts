import type { AccountStatus, Role } from '@carechat/protocol';
import type { Kysely } from 'kysely';
import { StoreConflictError } from '../core/ports/store.js';
import type { UserRecord, UserStore } from '../core/ports/user-store.js';
import { toUser } from './rows.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

/** Users and their sessions. `db` is a connection, or the transaction of an action. */
export class KyselyUserStore implements UserStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  async insertUser(user: UserRecord): Promise<void> {
    try {
      await this.db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email.toLowerCase(),
          name: user.name,
          role: user.role,
          password_hash: user.passwordHash,
          created_at: user.createdAt,
          status: user.status ?? 'active',
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(this.dialect, error)) throw new StoreConflictError('user exists');
      throw error;
    }
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    return row && toUser(row);
  }

  async listUsersByRoleAndStatus(role: Role, status: AccountStatus): Promise<UserRecord[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('role', '=', role)
      .where('status', '=', status)
      .orderBy('created_at')
      .orderBy('id')
      .limit(500)
      .execute();
    return rows.map(toUser);
  }

  async setUserStatus(id: string, from: AccountStatus, to: AccountStatus): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ status: to })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async findUsersByIds(ids: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toUser);
  }
}
