import type { Role } from '@carechat/protocol';

/** The users-and-sessions aggregate's writes (each one statement, offered inside a transaction too). */
export interface UserWrites {
  insertUser(user: UserRecord): Promise<void>;
  insertSession(session: SessionRecord): Promise<void>;
  /** Swaps the token of a live session only if it still holds `oldHash` (refresh-token rotation). */
  rotateSessionToken(id: string, oldHash: string, newHash: string, expiresAt: string): Promise<boolean>;
  revokeSession(id: string, at: string): Promise<void>;
}

export interface UserStore extends UserWrites {
  findUserById(id: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUsersByIds(ids: readonly string[]): Promise<UserRecord[]>;
  findSessionById(id: string): Promise<SessionRecord | undefined>;
  findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  createdAt: string;
}

export interface SessionRecord {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}
