import {
  deletePushSubscriptionBodySchema,
  pushSubscriptionBodySchema,
  updateNotificationSettingsBodySchema,
} from '@carechat/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/index.js';
import type { NotificationPreferenceService } from '../../notify/notification-preferences.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

const unsubscribeQuerySchema = z.object({ token: z.string().min(1).max(512) });

/**
 * Each person's notification settings and devices, and the unsubscribe link of every email, which
 * works without signing in: GET shows a button (a mail scanner following the link changes
 * nothing), POST turns email off (also RFC 8058 one-click from the mail client).
 */
export function registerNotificationRoutes(
  app: FastifyInstance,
  core: Core,
  preferences: NotificationPreferenceService,
): void {
  app.get('/api/me/notifications', async (request) => {
    const actor = await requestActor(core, request);
    return preferences.get(actor);
  });

  app.patch('/api/me/notifications', async (request) => {
    const actor = await requestActor(core, request);
    return preferences.update(actor, parse(updateNotificationSettingsBodySchema, request.body));
  });

  app.post('/api/me/push-subscriptions', async (request, reply) => {
    const actor = await requestActor(core, request);
    await preferences.subscribe(actor, parse(pushSubscriptionBodySchema, request.body));
    return reply.status(204).send();
  });

  app.delete('/api/me/push-subscriptions', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { endpoint } = parse(deletePushSubscriptionBodySchema, request.body);
    await preferences.unsubscribe(actor, endpoint);
    return reply.status(204).send();
  });

  app.register(async (scope) => {
    // Mail clients' one-click unsubscribe posts `List-Unsubscribe=One-Click` as a form.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 1024 },
      (_r, body, done) => done(null, body),
    );
    scope.get('/api/notifications/unsubscribe', async (request, reply) => {
      const { token } = parse(unsubscribeQuerySchema, request.query);
      return page(
        reply,
        200,
        'Stop notification emails?',
        `<form method="post" action="/api/notifications/unsubscribe?token=${encodeURIComponent(token)}">` +
          '<button type="submit">Stop notification emails</button></form>',
      );
    });
    scope.post('/api/notifications/unsubscribe', async (request, reply) => {
      const { token } = parse(unsubscribeQuerySchema, request.query);
      if (!(await preferences.unsubscribeEmail(token))) {
        return page(
          reply,
          400,
          'This link is not valid',
          '<p>Sign in to change your notification settings.</p>',
        );
      }
      return page(
        reply,
        200,
        'Notification emails are off',
        '<p>You can turn them back on in carechat, under notification settings.</p>',
      );
    });
  });
}

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`,
    );
}
