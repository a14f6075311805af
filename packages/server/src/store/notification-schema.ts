import type { Generated } from 'kysely';

/** The notification tables as Kysely sees them (migration 0009), added with `withTables`. */
export type NotificationDatabase = {
  push_subscriptions: PushSubscriptionsTable;
  notification_preferences: NotificationPreferencesTable;
  due_notifications: DueNotificationsTable;
};

export interface PushSubscriptionsTable {
  id: string;
  user_id: string;
  session_id: string | null;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: string;
}

export interface NotificationPreferencesTable {
  user_id: string;
  push_enabled: number;
  email_enabled: number;
  quiet_start: string | null;
  quiet_end: string | null;
  time_zone: string | null;
  updated_at: string;
}

export interface DueNotificationsTable {
  id: string;
  user_id: string;
  conversation_id: string;
  step: string;
  round: number;
  seq: number;
  due_at: string;
  /** due | sent | skipped */
  state: Generated<string>;
  lease_owner: string | null;
  lease_until: string | null;
  attempts: Generated<number>;
  created_at: string;
  done_at: string | null;
}
