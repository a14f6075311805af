import type { AuditAction, Door, Role } from '@carechat/protocol';

/**
 * What the security rules need from persistence: the append-only audit trail, session families
 * (rotation, reuse detection, idle logoff, revocation), login throttling, per-user settings,
 * account deletion and retention purges. Kept apart from `Store`; the Kysely implementation
 * (security-kysely-store.ts) shares the same database connection.
 */
export interface SecurityStore {
  // Audit trail: append and read, never change.
  appendAuditEvents(events: readonly AuditRecord[]): Promise<void>;
  /** Newest first; `before` is the (at, id) of the last event of the previous page. */
  queryAuditEvents(filter: AuditFilter, limit: number): Promise<AuditRecord[]>;

  // Session families.
  insertSessionFamily(session: SessionFamilyRecord): Promise<void>;
  findSessionFamily(id: string): Promise<SessionFamilyRecord | undefined>;
  findSessionFamilies(ids: readonly string[]): Promise<SessionFamilyRecord[]>;
  findSessionFamilyByTokenHash(tokenHash: string): Promise<SessionFamilyRecord | undefined>;
  findRetiredToken(tokenHash: string): Promise<RetiredTokenRecord | undefined>;
  /**
   * Compare-and-set rotation: only if the family is live and still holds `oldHash`; the old hash
   * is kept as retired in the same transaction. Returns whether it rotated.
   */
  rotateSessionFamily(rotation: SessionRotation): Promise<boolean>;
  /** Returns whether the session was live before. */
  revokeSessionFamily(id: string, at: string, reason: string): Promise<boolean>;
  /** Revokes every live session of the user (but `exceptId`); returns the ids it revoked. */
  revokeUserSessions(userId: string, at: string, reason: string, exceptId?: string): Promise<string[]>;
  touchSession(id: string, at: string): Promise<void>;

  // Login throttling.
  findThrottles(keys: readonly string[]): Promise<LoginThrottleRecord[]>;
  /**
   * Counts one sign-in attempt under `key` in one atomic statement (so parallel attempts on any
   * node each get their own number) and returns the count; a count last touched before
   * `forgetBefore` starts again at 1.
   */
  reserveThrottle(key: string, at: string, forgetBefore: string): Promise<number>;
  /**
   * Atomically sets `blockedUntil` unless the key is blocked already at `at`. Returns whether this
   * caller set it (it holds the one attempt the back-off allows now).
   */
  claimThrottle(key: string, at: string, blockedUntil: string): Promise<boolean>;
  /** Takes back one counted attempt (it succeeded), never below zero. */
  releaseThrottle(key: string): Promise<void>;
  clearThrottle(key: string): Promise<void>;

  // One-time sign-in links (host platforms' users).
  insertSignInLink(link: SignInLinkRecord): Promise<void>;
  /**
   * Marks the link used, in one statement, if it is unused and unexpired at `at`; returns its
   * user, or undefined (unknown, used or expired), so two redemptions never both win.
   */
  claimSignInLink(tokenHash: string, at: string): Promise<string | undefined>;
  findSignInLink(tokenHash: string): Promise<SignInLinkRecord | undefined>;
  insertSignupConfirmation(confirmation: SignupConfirmationRecord): Promise<void>;
  /** Marks an unused, unexpired confirmation used and returns it; undefined otherwise (once only). */
  claimSignupConfirmation(tokenHash: string, at: string): Promise<SignupConfirmationRecord | undefined>;

  // Users.
  getNotificationPreviews(userIds: readonly string[]): Promise<Map<string, boolean>>;
  setNotificationPreviews(userId: string, on: boolean): Promise<void>;
  /** Erases who the person was (name, email, password) and marks the account deleted. */
  tombstoneUser(userId: string, at: string): Promise<void>;
  isDeleted(userId: string): Promise<boolean>;

  // Retention.
  /**
   * Deletes messages created before `cutoff` (their reactions and edit history go with them, and
   * so do the search index's entries). Their attachments and unsent uploads older than `cutoff`
   * are left as tombstones (no message, no name, deleted) until their bytes are removed
   * (forgetAttachments): a removal that fails is tried again by the next purge, which finds them
   * again. Returns how many messages went and the storage keys of the bytes to remove.
   */
  purgeBefore(cutoff: string): Promise<{ messages: number; attachmentKeys: string[] }>;
  /** Drops the tombstones of purged attachments whose bytes are gone. */
  forgetAttachments(storageKeys: readonly string[]): Promise<void>;
}

/** A sign-up waiting for its email to be confirmed: the account it will make, and its link's hash. */
export interface SignupConfirmationRecord {
  tokenHash: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
  expiresAt: string;
}

export interface SignInLinkRecord {
  tokenHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export interface AuditRecord {
  id: string;
  at: string;
  action: AuditAction;
  outcome: 'ok' | 'refused';
  code: string | null;
  actorId: string | null;
  actorRole: Role | null;
  sessionId: string | null;
  door: Door | null;
  address: string | null;
  conversationId: string | null;
  messageId: string | null;
  targetUserId: string | null;
  detail: Record<string, string | number | boolean> | null;
}

export interface AuditFilter {
  actorId?: string | undefined;
  /** Events by anyone but this actor. */
  notActorId?: string | undefined;
  targetUserId?: string | undefined;
  conversationId?: string | undefined;
  conversationIds?: readonly string[] | undefined;
  actions?: readonly AuditAction[] | undefined;
  since?: string | undefined;
  until?: string | undefined;
  before?: { at: string; id: string } | undefined;
}

export interface SessionFamilyRecord {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
  lastUsedAt: string | null;
  generation: number;
  tokenSalt: string | null;
  rotatedAt: string | null;
}

export interface SessionRotation {
  id: string;
  oldHash: string;
  newHash: string;
  generation: number;
  tokenSalt: string;
  at: string;
  expiresAt: string;
}

export interface RetiredTokenRecord {
  tokenHash: string;
  sessionId: string;
  generation: number;
  retiredAt: string;
}

export interface LoginThrottleRecord {
  key: string;
  failures: number;
  blockedUntil: string | null;
  lastFailureAt: string;
}
