import type {
  AccessLogPage,
  AuditAction,
  AuditEvent,
  AuditExportQuery,
  AuditPage,
  AuditQuery,
} from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { CoreError } from './errors.js';
import type { AuditFilter, AuditRecord, SecurityStore } from './ports/security-store.js';
import type { Store } from './ports/store.js';
import { toWireUser, type UserDirectory } from './users.js';

export interface AuditQueryDeps {
  store: Store;
  security: SecurityStore;
  users: UserDirectory;
  audit: AuditLog;
}

/** What a patient sees of others in their conversations: reads and membership, not their own acts. */
const ACCESS_ACTIONS: readonly AuditAction[] = [
  'conversation.history_read',
  'attachment.downloaded',
  'participant.added',
  'participant.removed',
];

/** The most events one export carries; narrow the filters for more. */
export const MAX_EXPORT_EVENTS = 100_000;

/**
 * Reading the audit trail: admins query and export it (and those reads are audited too); anyone
 * sees who else accessed their conversations.
 */
export class AuditQueries {
  constructor(private readonly d: AuditQueryDeps) {}

  async query(actor: Actor, q: AuditQuery): Promise<AuditPage> {
    requireAdmin(actor);
    await this.d.audit.flush();
    const records = await this.d.security.queryAuditEvents(
      { ...filterOf(q), before: decodeCursor(q.cursor) },
      q.limit + 1,
    );
    const more = records.length > q.limit;
    const page = more ? records.slice(0, q.limit) : records;
    await this.d.audit.recordNow(actor, 'admin.audit_queried', {
      detail: { ...describe(q), returned: page.length },
    });
    return { events: page.map(toWire), next_cursor: more ? encodeCursor(page[page.length - 1]!) : null };
  }

  /** Every event matching the filters, newest first (at most MAX_EXPORT_EVENTS). */
  async export(actor: Actor, q: AuditExportQuery): Promise<AuditEvent[]> {
    requireAdmin(actor);
    await this.d.audit.flush();
    const events: AuditEvent[] = [];
    let before: AuditFilter['before'];
    while (events.length < MAX_EXPORT_EVENTS) {
      const page = await this.d.security.queryAuditEvents({ ...filterOf(q), before }, 1000);
      events.push(...page.map(toWire));
      if (page.length < 1000) break;
      const last = page[page.length - 1]!;
      before = { at: last.at, id: last.id };
    }
    await this.d.audit.recordNow(actor, 'admin.audit_exported', {
      detail: { ...describe(q), format: q.format, returned: events.length },
    });
    return events.slice(0, MAX_EXPORT_EVENTS);
  }

  /** Who else read or changed the membership of the caller's conversations, newest first. */
  async accessLog(actor: Actor, q: { limit: number; cursor?: string | undefined }): Promise<AccessLogPage> {
    await this.d.audit.flush();
    const rows = await this.d.store.listConversationsOfUser(actor.userId);
    const records = await this.d.security.queryAuditEvents(
      {
        conversationIds: rows.map((r) => r.conversation.id),
        notActorId: actor.userId,
        actions: ACCESS_ACTIONS,
        before: decodeCursor(q.cursor),
      },
      q.limit + 1,
    );
    const more = records.length > q.limit;
    const page = more ? records.slice(0, q.limit) : records;
    const actorIds = [...new Set(page.flatMap((r) => (r.actorId ? [r.actorId] : [])))];
    const users = new Map((await this.d.users.getMany(actorIds)).map((u) => [u.id, u]));
    return {
      entries: page.map((r) => {
        const user = r.actorId ? users.get(r.actorId) : undefined;
        return {
          at: r.at,
          action: r.action,
          conversation_id: r.conversationId,
          actor: user ? toWireUser(user, actor) : null,
          door: r.door,
        };
      }),
      next_cursor: more ? encodeCursor(page[page.length - 1]!) : null,
    };
  }
}

function requireAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new CoreError('forbidden', 'Only administrators read the audit trail.');
}

function filterOf(q: AuditExportQuery | AuditQuery): AuditFilter {
  return {
    actorId: q.actor_id,
    targetUserId: q.target_user_id,
    conversationId: q.conversation_id,
    actions: q.action === undefined ? undefined : [q.action],
    since: q.since === undefined ? undefined : new Date(q.since).toISOString(),
    until: q.until === undefined ? undefined : new Date(q.until).toISOString(),
  };
}

/** The filters an admin used, for the record of their query (ids and instants only). */
function describe(q: AuditExportQuery | AuditQuery): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['actor_id', 'target_user_id', 'conversation_id', 'action', 'since', 'until'] as const) {
    const value = q[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function toWire(r: AuditRecord): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    action: r.action,
    outcome: r.outcome,
    code: r.code,
    actor_id: r.actorId,
    actor_role: r.actorRole,
    session_id: r.sessionId,
    door: r.door,
    address: r.address,
    conversation_id: r.conversationId,
    message_id: r.messageId,
    target_user_id: r.targetUserId,
    detail: r.detail,
  };
}

function encodeCursor(r: AuditRecord): string {
  return Buffer.from(JSON.stringify([r.at, r.id])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): AuditFilter['before'] {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // Falls through to the refusal below.
  }
  throw new CoreError('invalid_request', 'The cursor is not one this server issued.');
}
