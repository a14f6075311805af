import { z } from 'zod';
import type { Conversation, Message, Role, User } from './models.js';
import { text } from './text.js';

/**
 * Security and data-rights contract: the audit trail (admins, and a patient's view of who read
 * their conversations), account settings, sessions, export and account deletion.
 */

/** What an audit event records. Never message content, never a password, never a token. */
export const AUDIT_ACTIONS = [
  'auth.register',
  'auth.login',
  'auth.login_failed',
  'auth.login_throttled',
  'auth.refresh',
  'auth.refresh_reuse',
  'auth.logout',
  'auth.logout_all',
  'auth.idle_logoff',
  'auth.token_minted',
  'auth.register_existing',
  'auth.sign_in_link_issued',
  'auth.sign_in_link_used',
  'auth.sign_in_link_refused',
  'admin.practitioner_approved',
  'admin.practitioner_rejected',
  'conversation.created',
  'conversation.history_read',
  'message.sent',
  'message.edited',
  'message.deleted',
  'participant.added',
  'participant.removed',
  'appointment.ended',
  'block.added',
  'block.removed',
  'policy.refused',
  'access.refused',
  'attachment.uploaded',
  'attachment.downloaded',
  'admin.audit_queried',
  'admin.audit_exported',
  'data.exported',
  'account.deleted',
  'settings.changed',
  'retention.purged',
  /** A host platform's server API created or changed a user (detail: the role, and the old one). */
  'server.user_created',
  'server.user_updated',
  /** A host platform's server API created or changed an appointment (detail: its status). */
  'server.appointment_synced',
  'practice.changed',
  'practice.member_changed',
  'practice.assigned',
  'practice.appointment_changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The door a request came through. */
export const DOORS = ['http', 'ws', 'ws_chat', 'sse', 'poll', 'socketio', 'server_api', 'system'] as const;
export type Door = (typeof DOORS)[number];

/** One audit event on the wire (admin query and export). */
export interface AuditEvent {
  id: string;
  at: string;
  action: AuditAction;
  outcome: 'ok' | 'refused';
  /** The error code of a refusal. */
  code: string | null;
  actor_id: string | null;
  actor_role: Role | null;
  session_id: string | null;
  door: Door | null;
  address: string | null;
  conversation_id: string | null;
  message_id: string | null;
  target_user_id: string | null;
  /** Small non-content facts (counts, a keyed hash of an unknown email, the settings changed). */
  detail: Record<string, string | number | boolean> | null;
}

const isoInstant = z.iso.datetime({ offset: true });

/** `GET /api/admin/audit` and `GET /api/admin/audit/export`: every filter is optional. */
export const auditQuerySchema = z.object({
  actor_id: text().min(1).max(64).optional(),
  target_user_id: text().min(1).max(64).optional(),
  conversation_id: text().min(1).max(64).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  since: isoInstant.optional(),
  until: isoInstant.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: text().min(1).max(200).optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditExportQuerySchema = auditQuerySchema.omit({ limit: true, cursor: true }).extend({
  format: z.enum(['json', 'csv']).default('json'),
});
export type AuditExportQuery = z.infer<typeof auditExportQuerySchema>;

export interface AuditPage {
  events: AuditEvent[];
  /** Pass back as `cursor` for older events; null at the end. */
  next_cursor: string | null;
}

/** `GET /api/me/access-log`: who else opened or wrote in the caller's conversations. */
export const accessLogQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: text().min(1).max(200).optional(),
});

export interface AccessLogEntry {
  at: string;
  action: AuditAction;
  conversation_id: string | null;
  /** Who accessed: null when the user no longer exists. */
  actor: User | null;
  door: Door | null;
}

export interface AccessLogPage {
  entries: AccessLogEntry[];
  next_cursor: string | null;
}

/** The caller's own settings, in `GET /api/me` and `PATCH /api/me`. */
export interface UserSettings {
  /** Whether `notification` frames carry the first characters of the message. Off by default. */
  notification_previews: boolean;
}

export const updateMeBodySchema = z
  .object({ notification_previews: z.boolean().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateMeBody = z.infer<typeof updateMeBodySchema>;

export interface MeWithSettingsResponse {
  user: User;
  settings: UserSettings;
}

/** `DELETE /api/me`: the password again, so a stolen session alone cannot delete an account. */
export const deleteAccountBodySchema = z.object({ password: text().min(1).max(256) });

/** `GET /api/me/export`: everything of the caller's conversations, as JSON. */
export interface DataExport {
  exported_at: string;
  user: User;
  settings: UserSettings;
  conversations: Array<{ conversation: Conversation; messages: Message[] }>;
}

/** `GET /api/admin/practitioners?status=pending`: practitioners by account status (admins only). */
export const practitionerListQuerySchema = z.object({
  status: z.enum(['active', 'pending', 'rejected']).default('pending'),
});
export type PractitionerListQuery = z.infer<typeof practitionerListQuerySchema>;

/** `POST /api/admin/practitioners/:id/approve` and `/reject` answer `{ user }`. */
export interface PractitionerDecisionResponse {
  user: User;
}
