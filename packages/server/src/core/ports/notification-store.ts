/**
 * What the notification ladder needs from persistence (migration 0009): push subscriptions per
 * user and device, each person's settings, and the due notifications that any node may claim.
 */
export interface NotificationStore {
  /** Stores (or moves to this user and session) the subscription of one browser. */
  putPushSubscription(subscription: PushSubscriptionRecord): Promise<void>;
  listPushSubscriptions(userId: string): Promise<PushSubscriptionRecord[]>;
  /** Removes the user's subscription with this endpoint; true when there was one. */
  deletePushSubscription(userId: string, endpoint: string): Promise<boolean>;
  /** The push service said it is gone (404/410): whoever it belonged to. */
  deletePushEndpoint(endpoint: string): Promise<void>;
  /** An account deleted: none of its devices receives pushes again. */
  deletePushSubscriptionsOfUser(userId: string): Promise<void>;
  /** Logout: the devices of these sessions stop receiving pushes. */
  deletePushSubscriptionsOfSessions(sessionIds: readonly string[]): Promise<void>;

  /** Absent: the defaults (DEFAULT_PREFERENCES). */
  getPreferences(userId: string): Promise<NotificationPreferences | undefined>;
  putPreferences(userId: string, preferences: NotificationPreferences, at: string): Promise<void>;

  /** Inserts the rows whose (user, conversation, step, round) is new; the others are left alone. */
  enqueue(rows: readonly DueNotificationRecord[]): Promise<void>;
  /**
   * Leases up to `limit` rows due at `now` (state `due`, no live lease) to `owner` until
   * `leaseUntil`, atomically: two nodes never hold the same row (PostgreSQL: FOR UPDATE SKIP
   * LOCKED; SQLite: one writer, one UPDATE … RETURNING).
   */
  claimDue(owner: string, now: string, leaseUntil: string, limit: number): Promise<DueNotificationRecord[]>;
  /** Ends a row the owner still leases: `sent` or `skipped`. False when the lease was lost. */
  finish(id: string, owner: string, state: 'sent' | 'skipped', at: string): Promise<boolean>;
  /** Gives a leased row back with a new due time (quiet hours, a failed attempt). */
  postpone(id: string, owner: string, dueAt: string): Promise<void>;
  /** Forgets rows finished before `before` (their round is long over). */
  purgeFinished(before: string): Promise<void>;
  /** The push rows sent for this person and conversation up to `seq` that nothing has withdrawn yet. */
  listSentPushes(userId: string, conversationId: string, seq: number): Promise<DueNotificationRecord[]>;
}

export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  /** The session (device) that registered it; logout removes it. */
  sessionId: string | null;
  endpoint: string;
  /** The browser's P-256 public key and auth secret, base64url (RFC 8291). */
  p256dh: string;
  auth: string;
  createdAt: string;
}

export interface NotificationPreferences {
  pushEnabled: boolean;
  emailEnabled: boolean;
  /** "HH:MM" wall-clock times in `timeZone`; nothing is sent between them. */
  quietHours: { start: string; end: string; timeZone: string } | null;
}

export const DEFAULT_PREFERENCES: NotificationPreferences = Object.freeze({
  pushEnabled: true,
  emailEnabled: true,
  quietHours: null,
});

/** Which way a step reaches the person; `withdraw` takes back a push read elsewhere. */
export type NotificationStep = 'push' | 'email' | 'digest' | 'withdraw';

export interface DueNotificationRecord {
  id: string;
  userId: string;
  /** `*` for a digest, which covers all the person's conversations. */
  conversationId: string;
  step: NotificationStep;
  /** The person's read marker when the unread streak began (a digest: its period's number). */
  round: number;
  /** The first unread message's seq that started this row. */
  seq: number;
  dueAt: string;
  createdAt: string;
  /** How many times a node has claimed it (a send that keeps failing is given up). */
  attempts: number;
}
