import type { Kysely } from 'kysely';
import type { AuditRecord } from '../core/ports/security-store.js';
import type { Database } from './schema.js';
import type { AuditEventsTable, SecurityDatabase } from './security-schema.js';

/** An audit record as its `audit_events` row: the one mapping every writer of the trail uses. */
export function toAuditRow(e: AuditRecord): AuditEventsTable {
  return {
    id: e.id,
    at: e.at,
    action: e.action,
    outcome: e.outcome,
    code: e.code,
    actor_id: e.actorId,
    actor_role: e.actorRole,
    session_id: e.sessionId,
    door: e.door,
    address: e.address,
    conversation_id: e.conversationId,
    message_id: e.messageId,
    target_user_id: e.targetUserId,
    detail: e.detail === null ? null : JSON.stringify(e.detail),
  };
}

/**
 * Appends audit rows over `db` (a connection, or the transaction of the action they record), one
 * statement per 200: the audit trail must stay cheap next to what it records.
 */
export async function insertAuditRows(db: Kysely<Database>, events: readonly AuditRecord[]): Promise<void> {
  const audit = db.withTables<SecurityDatabase>();
  for (let i = 0; i < events.length; i += 200) {
    await audit
      .insertInto('audit_events')
      .values(events.slice(i, i + 200).map(toAuditRow))
      .execute();
  }
}
