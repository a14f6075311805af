import {
  assignConversationBodySchema,
  bookForPatientBodySchema,
  createPracticeBodySchema,
  type InboxResponse,
  inboxQuerySchema,
  openPracticeConversationBodySchema,
  type PracticeResponse,
  putPracticeMemberBodySchema,
  savedReplyBodySchema,
  text,
  updatePracticeBodySchema,
} from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/index.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

const id = text().min(1).max(64);
const practiceParams = z.object({ id });
const memberParams = z.object({ id, user_id: id });
const conversationParams = z.object({ id, conversation_id: id });
const replyParams = z.object({ id, reply_id: id });
const appointmentParams = z.object({ id, conversation_id: id, appointment_id: id });

/** Practices (admins manage them), the team inbox and its triage (issue 14). */
export function registerPracticeRoutes(app: FastifyInstance, core: Core): void {
  app.get('/api/practices', async (request, reply) => {
    const actor = await requestActor(core, request);
    return reply.header('cache-control', 'no-store').send({ practices: await core.practices.list(actor) });
  });

  app.post('/api/practices', async (request, reply) => {
    const actor = await requestActor(core, request);
    const body = parse(createPracticeBodySchema, request.body);
    const response: PracticeResponse = { practice: await core.practices.create(actor, body) };
    return reply.status(201).send(response);
  });

  app.get('/api/practices/:id', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(practiceParams, request.params);
    return { practice: await core.practices.get(actor, id) } satisfies PracticeResponse;
  });

  app.patch('/api/practices/:id', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(practiceParams, request.params);
    const body = parse(updatePracticeBodySchema, request.body);
    return { practice: await core.practices.update(actor, id, body) } satisfies PracticeResponse;
  });

  app.put('/api/practices/:id/members/:user_id', async (request) => {
    const actor = await requestActor(core, request);
    const { id, user_id } = parse(memberParams, request.params);
    const { role } = parse(putPracticeMemberBodySchema, request.body);
    return { practice: await core.practices.putMember(actor, id, user_id, role) } satisfies PracticeResponse;
  });

  app.delete('/api/practices/:id/members/:user_id', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id, user_id } = parse(memberParams, request.params);
    await core.practices.removeMember(actor, id, user_id);
    return reply.status(204).send();
  });

  app.post('/api/practices/:id/conversations', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(practiceParams, request.params);
    const { patient_id } = parse(openPracticeConversationBodySchema, request.body ?? {});
    const { conversation, created } = await core.teamInbox.open(actor, id, patient_id);
    return reply.status(created ? 201 : 200).send({ conversation });
  });

  app.get('/api/practices/:id/inbox', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(practiceParams, request.params);
    const { filter } = parse(inboxQuerySchema, request.query);
    const response: InboxResponse = { items: await core.teamInbox.list(actor, id, filter) };
    return reply.header('cache-control', 'no-store').send(response);
  });

  app.put('/api/practices/:id/conversations/:conversation_id/assignee', async (request) => {
    const actor = await requestActor(core, request);
    const { id, conversation_id } = parse(conversationParams, request.params);
    const { user_id } = parse(assignConversationBodySchema, request.body);
    return { item: await core.teamInbox.assign(actor, id, conversation_id, user_id) };
  });

  app.get('/api/conversations/:id/reply-expectation', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(practiceParams, request.params);
    return reply
      .header('cache-control', 'no-store')
      .send({ expectation: await core.replyExpectations.of(actor, id) });
  });

  app.get('/api/conversations/:id/saved-replies', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(practiceParams, request.params);
    const savedReplies = await core.savedReplies.forConversation(actor, id);
    return reply.header('cache-control', 'no-store').send({ saved_replies: savedReplies });
  });

  app.get('/api/practices/:id/saved-replies', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(practiceParams, request.params);
    return { saved_replies: await core.savedReplies.list(actor, id) };
  });

  app.post('/api/practices/:id/saved-replies', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id } = parse(practiceParams, request.params);
    const body = parse(savedReplyBodySchema, request.body);
    return reply.status(201).send({ saved_reply: await core.savedReplies.create(actor, id, body) });
  });

  app.delete('/api/practices/:id/saved-replies/:reply_id', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id, reply_id } = parse(replyParams, request.params);
    await core.savedReplies.remove(actor, id, reply_id);
    return reply.status(204).send();
  });

  app.get('/api/practices/:id/conversations/:conversation_id/saved-replies', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id, conversation_id } = parse(conversationParams, request.params);
    const savedReplies = await core.savedReplies.filledFor(actor, id, conversation_id);
    return reply.header('cache-control', 'no-store').send({ saved_replies: savedReplies });
  });

  app.get('/api/practices/:id/conversations/:conversation_id/context', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id, conversation_id } = parse(conversationParams, request.params);
    return reply
      .header('cache-control', 'no-store')
      .send({ context: await core.patientContext.of(actor, id, conversation_id) });
  });

  app.post('/api/practices/:id/conversations/:conversation_id/appointments', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id, conversation_id } = parse(conversationParams, request.params);
    const body = parse(bookForPatientBodySchema, request.body);
    const appointment = await core.practiceBookings.book(actor, id, conversation_id, body);
    return reply.status(201).send({ appointment });
  });

  app.post(
    '/api/practices/:id/conversations/:conversation_id/appointments/:appointment_id/cancel',
    async (request) => {
      const actor = await requestActor(core, request);
      const { id, conversation_id, appointment_id } = parse(appointmentParams, request.params);
      return { appointment: await core.practiceBookings.cancel(actor, id, conversation_id, appointment_id) };
    },
  );
}
