import { text } from '@carechat/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../../core/index.js';
import { requestActor } from '../../http/request-actor.js';
import { parse } from '../../http/validate.js';
import { answerRefusalsTheDjangoWay, djangoMessage } from './django-json.js';

const id = text().min(1).max(64);

/**
 * The template's send: `room_id` and `message` as JSON or as a form (Django's views read both);
 * `content`, `chat_room_id` and `client_msg_id` (which makes a retried POST store once) too.
 */
const sendBodySchema = z
  .object({
    room_id: id.optional(),
    chat_room_id: id.optional(),
    message: text().optional(),
    content: text().optional(),
    client_msg_id: text().min(1).max(100).optional(),
  })
  .refine((b) => (b.room_id ?? b.chat_room_id) !== undefined, 'room_id is required')
  .refine((b) => (b.message ?? b.content) !== undefined, 'message is required');

const roomParams = z.object({ room_id: id });

/** More than the template's count-comparing poller can use: the newest this many are answered. */
const MAX_ROOM_MESSAGES = 10_000;

/**
 * Seed 000's profile: the Django chat room's `POST /chat/send-message/` and
 * `GET /chat/get-messages/{room_id}/` (a room is a carechat conversation), over the same core
 * actions as `/api`. Identity is carechat's (a bearer token, or the session cookie with the CSRF
 * token in Django's `X-CSRFToken` header); Django's own session is never trusted
 * (docs/migration.md, seed 000).
 */
export async function registerDjangoPollingRoutes(app: FastifyInstance, core: Core): Promise<void> {
  await app.register(async (scope) => {
    // Django's forms post url-encoded bodies.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    // Django's CSRF header name carries carechat's CSRF token on cookie-authenticated requests.
    scope.addHook('onRequest', async (request) => {
      const django = request.headers['x-csrftoken'];
      if (django !== undefined && request.headers['x-csrf-token'] === undefined)
        request.headers['x-csrf-token'] = django;
    });
    answerRefusalsTheDjangoWay(scope);

    scope.post('/chat/send-message/', async (request) => {
      const actor = await requestActor(core, request);
      const body = parse(sendBodySchema, request.body);
      const { message, created } = await core.messages.send(actor, (body.room_id ?? body.chat_room_id)!, {
        clientMsgId: body.client_msg_id,
        content: (body.message ?? body.content)!,
      });
      const roles = await rolesOf(core, [message.sender_id]);
      return { success: true, created, message: djangoMessage(message, roles) };
    });

    scope.get('/chat/get-messages/:room_id/', (request, reply) => answerRoom(core, request, reply));
  });
}

async function answerRoom(core: Core, request: FastifyRequest, reply: FastifyReply) {
  const actor = await requestActor(core, request);
  const { room_id: roomId } = parse(roomParams, request.params);
  // Every message, oldest first: the template counts them to notice new ones.
  const messages = [];
  for await (const page of core.messages.replay(actor, roomId, 0)) {
    messages.push(...page);
    if (messages.length > MAX_ROOM_MESSAGES) messages.splice(0, messages.length - MAX_ROOM_MESSAGES);
  }
  const roles = await rolesOf(
    core,
    messages.map((m) => m.sender_id),
  );
  void reply.header('cache-control', 'no-store');
  return {
    success: true,
    room_id: roomId,
    count: messages.length,
    messages: messages.map((m) => djangoMessage(m, roles)),
  };
}

async function rolesOf(core: Core, userIds: readonly string[]) {
  const users = await core.users.getMany(userIds);
  return new Map(users.map((u) => [u.id, u.role]));
}
