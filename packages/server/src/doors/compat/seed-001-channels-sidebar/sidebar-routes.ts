import { text } from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CoreError } from '../../../core/errors.js';
import type { Core } from '../../../core/index.js';
import { requestActor } from '../../http/request-actor.js';
import { parse } from '../../http/validate.js';
import { answerRefusalsTheDjangoWay } from '../seed-000-django-polling/django-json.js';

/** `send_message_new`: message someone by username, creating the conversation if need be. */
const sendNewBodySchema = z
  .object({
    receiver: text().min(1).max(128).optional(),
    receiver_username: text().min(1).max(128).optional(),
    username: text().min(1).max(128).optional(),
    content: text().optional(),
    message: text().optional(),
    client_msg_id: text().min(1).max(100).optional(),
  })
  .refine((b) => (b.receiver ?? b.receiver_username ?? b.username) !== undefined, 'receiver is required')
  .refine((b) => (b.content ?? b.message) !== undefined, 'content is required');

const searchQuerySchema = z
  .object({ q: text().trim().min(1).max(100).optional(), query: text().trim().min(1).max(100).optional() })
  .refine((q) => (q.q ?? q.query) !== undefined, 'q is required');

/**
 * Seed 001's HTTP calls: `send_message_new` (its search-then-message flow, one call) and the user
 * search it starts from, over the same core actions as /api (conversations.open, messages.send,
 * contacts.search). People are named by username (core/usernames.ts). Refusals in the Django
 * shape `{success: false, error, code}`.
 */
export async function registerSidebarRoutes(app: FastifyInstance, core: Core): Promise<void> {
  await app.register(async (scope) => {
    answerRefusalsTheDjangoWay(scope);

    const sendNew = async (request: import('fastify').FastifyRequest) => {
      const actor = await requestActor(core, request);
      const body = parse(sendNewBodySchema, request.body);
      const username = (body.receiver ?? body.receiver_username ?? body.username)!;
      const receiverId = await core.usernames.resolve(username);
      if (receiverId === undefined) throw new CoreError('not_found', 'No such user.');
      const { conversation, created } = await core.conversations.open(actor, {
        participant_ids: [receiverId],
      });
      const { message } = await core.messages.send(actor, conversation.id, {
        clientMsgId: body.client_msg_id,
        content: (body.content ?? body.message)!,
      });
      const names = await core.usernames.of([actor.userId, receiverId]);
      return {
        success: true,
        conversation_id: conversation.id,
        is_new_conversation: created,
        message: {
          ...message,
          message: message.content,
          sender: names.get(actor.userId),
          receiver: names.get(receiverId),
          timestamp: Math.floor(Date.parse(message.timestamp) / 1000),
        },
      };
    };
    scope.post('/api/send-message-new/', sendNew);
    scope.post('/api/send_message_new/', sendNew);

    scope.get('/api/users/search/', async (request) => {
      const actor = await requestActor(core, request);
      const query = parse(searchQuerySchema, request.query);
      const users = await core.contacts.search(actor, (query.q ?? query.query)!, 20);
      const names = await core.usernames.of(users.map((u) => u.id));
      return users.map((u) => ({
        ...u,
        username: names.get(u.id),
        full_name: u.name,
        profile_picture: null,
      }));
    });
  });
}
