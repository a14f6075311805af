import {
  type AuditEvent,
  auditExportQuerySchema,
  auditQuerySchema,
  type PractitionerDecisionResponse,
  practitionerListQuerySchema,
} from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

/**
 * For administrators: the audit trail (query as paged JSON, export as JSON or CSV) and the review
 * of practitioners who signed up (list by status, approve, reject).
 */
export function registerAdminRoutes(app: FastifyInstance, core: Core): void {
  app.get('/api/admin/practitioners', async (request, reply) => {
    const actor = await requestActor(core, request);
    const query = parse(practitionerListQuerySchema, request.query);
    const practitioners = await core.practitionerApprovals.list(actor, query.status);
    return reply.header('cache-control', 'no-store').send({ practitioners });
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.post<{ Params: { id: string } }>(`/api/admin/practitioners/:id/${decision}`, async (request) => {
      const actor = await requestActor(core, request);
      const user = await core.practitionerApprovals[decision](actor, request.params.id);
      return { user } satisfies PractitionerDecisionResponse;
    });
  }

  app.get('/api/admin/audit', async (request, reply) => {
    const actor = await requestActor(core, request);
    const query = parse(auditQuerySchema, request.query);
    return reply.header('cache-control', 'no-store').send(await core.auditQueries.query(actor, query));
  });

  app.get('/api/admin/audit/export', async (request, reply) => {
    const actor = await requestActor(core, request);
    const query = parse(auditExportQuerySchema, request.query);
    const events = await core.auditQueries.export(actor, query);
    reply.header('cache-control', 'no-store');
    if (query.format === 'csv') {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="carechat-audit.csv"')
        .send(toCsv(events));
    }
    return reply.header('content-disposition', 'attachment; filename="carechat-audit.json"').send({ events });
  });
}

const COLUMNS = [
  'id',
  'at',
  'action',
  'outcome',
  'code',
  'actor_id',
  'actor_role',
  'session_id',
  'door',
  'address',
  'conversation_id',
  'message_id',
  'target_user_id',
  'detail',
] as const satisfies ReadonlyArray<keyof AuditEvent>;

export function toCsv(events: readonly AuditEvent[]): string {
  const lines = [COLUMNS.join(',')];
  for (const event of events) {
    lines.push(
      COLUMNS.map((column) => {
        const value = event[column];
        return csvCell(
          value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value),
        );
      }).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** RFC 4180 quoting, and a leading quote mark on anything a spreadsheet would run as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
