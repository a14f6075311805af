import type { Generated } from 'kysely';

/**
 * The security tables as Kysely sees them (migration 0004), added to the shared Kysely instance
 * with `withTables`. Same conventions: ISO 8601 UTC text timestamps, 0/1 integer booleans.
 */
export type SecurityDatabase = {
  audit_events: AuditEventsTable;
  session_retired_tokens: SessionRetiredTokensTable;
  login_throttle: LoginThrottleTable;
  /** Migration 0011. */
  sign_in_links: SignInLinksTable;
  signup_confirmations: SignupConfirmationsTable;
  /** The columns 0004 added to `sessions` (the rest are in schema.ts). */
  sessions: SessionFamilyColumns;
  /** The columns 0004 added to `users`. */
  users: UserSecurityColumns;
};

export interface AuditEventsTable {
  id: string;
  at: string;
  action: string;
  outcome: string;
  code: string | null;
  actor_id: string | null;
  actor_role: string | null;
  session_id: string | null;
  door: string | null;
  address: string | null;
  conversation_id: string | null;
  message_id: string | null;
  target_user_id: string | null;
  /** JSON object of small non-content facts. */
  detail: string | null;
}

export interface SessionFamilyColumns {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  generation: number;
  /** Refresh tokens are derived from it and the server key (see core/session-tokens.ts). */
  token_salt: string | null;
  rotated_at: string | null;
  revoked_reason: string | null;
}

export interface SessionRetiredTokensTable {
  token_hash: string;
  session_id: string;
  generation: number;
  retired_at: string;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  blocked_until: string | null;
  last_failure_at: string;
}

export interface SignInLinksTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A sign-up waiting for its email to be confirmed (migration 0014). */
export interface SignupConfirmationsTable {
  token_hash: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface UserSecurityColumns {
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  created_at: string;
  status: Generated<string>;
  notification_previews: number;
  deleted_at: string | null;
}
