import type { Role } from '@carechat/protocol';

/**
 * The users aggregate's writes (each one statement, offered inside a transaction too). Sessions
 * belong to the security store (session families).
 */
export interface UserWrites {
  insertUser(user: UserRecord): Promise<void>;
}

export interface UserStore extends UserWrites {
  findUserById(id: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUsersByIds(ids: readonly string[]): Promise<UserRecord[]>;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  createdAt: string;
}
