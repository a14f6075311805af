import { accessLogQuerySchema, deleteAccountBodySchema, updateMeBodySchema } from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { SESSION_COOKIE } from '../../live/credentials.js';
import { CSRF_COOKIE } from '../csrf.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

/** The caller's own account: settings, the data export, who accessed their conversations, deletion. */
export function registerMeRoutes(app: FastifyInstance, core: Core): void {
  app.patch('/api/me', async (request) => {
    const actor = await requestActor(core, request);
    const body = parse(updateMeBodySchema, request.body);
    const settings = await core.dataRights.updateSettings(actor, body);
    return { user: await core.auth.me(actor), settings };
  });

  app.get('/api/me/export', async (request, reply) => {
    const actor = await requestActor(core, request);
    const data = await core.dataRights.export(actor);
    return reply
      .header('content-disposition', 'attachment; filename="carechat-export.json"')
      .header('cache-control', 'no-store')
      .send(data);
  });

  app.get('/api/me/access-log', async (request, reply) => {
    const actor = await requestActor(core, request);
    const query = parse(accessLogQuerySchema, request.query);
    return reply.header('cache-control', 'no-store').send(await core.auditQueries.accessLog(actor, query));
  });

  app.delete('/api/me', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { password } = parse(deleteAccountBodySchema, request.body);
    await core.dataRights.deleteAccount(actor, password);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
    return reply.status(204).send();
  });
}
