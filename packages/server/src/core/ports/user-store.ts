import type { AccountStatus, Role } from '@carechat/protocol';

/**
 * The users aggregate's writes (each one statement, offered inside a transaction too). Sessions
 * belong to the security store (session families).
 */
export interface UserWrites {
  insertUser(user: UserRecord): Promise<void>;
  /** Compare-and-set: only from `from`. Returns whether it changed. */
  setUserStatus(id: string, from: AccountStatus, to: AccountStatus): Promise<boolean>;
}

export interface UserStore extends UserWrites {
  findUserById(id: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUsersByIds(ids: readonly string[]): Promise<UserRecord[]>;
  /** Oldest first, at most 500 (an admin's review queue). */
  listUsersByRoleAndStatus(role: Role, status: AccountStatus): Promise<UserRecord[]>;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  createdAt: string;
  /** Absent when written by code that predates it: active. Always set when read. */
  status?: AccountStatus;
}
