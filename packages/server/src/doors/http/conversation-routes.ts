import {
  createConversationBodySchema,
  editMessageBodySchema,
  historyQuerySchema,
  readBodySchema,
  sendMessageBodySchema,
  text,
  unreadTotal,
} from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/index.js';
import { withDrfResults } from '../compat/seed-004-channels/hook-frames.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

const idParams = z.object({ id: text().min(1).max(64) });

export function registerConversationRoutes(app: FastifyInstance, core: Core): void {
  app.post('/api/conversations', async (request, reply) => {
    const actor = await requestActor(core, request);
    const input = parse(createConversationBodySchema, request.body);
    const { conversation, created } = await core.conversations.open(actor, input);
    return reply.status(created ? 201 : 200).send({ conversation });
  });

  app.get('/api/conversations', async (request) => {
    const actor = await requestActor(core, request);
    const conversations = await core.conversations.list(actor);
    return { conversations, unread_total: unreadTotal(conversations) };
  });

  app.get('/api/conversations/:id', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    return { conversation: await core.conversations.get(actor, id) };
  });

  app.get('/api/conversations/:id/messages', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const query = parse(historyQuerySchema, request.query);
    // Seed 004's hook reads `results` and sorts by `created_at`; everyone else reads `messages`.
    return withDrfResults(await core.messages.history(actor, id, query));
  });

  app.post('/api/conversations/:id/messages', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const input = parse(sendMessageBodySchema, request.body);
    const { message, created } = await core.messages.send(actor, id, {
      clientMsgId: input.client_msg_id,
      content: input.content,
      replyTo: input.reply_to,
      attachments: input.attachments,
    });
    return reply.status(created ? 201 : 200).send({ message });
  });

  app.post('/api/conversations/:id/read', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const { seq } = parse(readBodySchema, request.body);
    return core.receipts.markRead(actor, { conversationId: id, seq });
  });

  app.patch('/api/messages/:id', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const { content } = parse(editMessageBodySchema, request.body);
    return { message: await core.messages.edit(actor, id, content) };
  });

  app.delete('/api/messages/:id', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    return { message: await core.messages.delete(actor, id) };
  });
}
