import {
  createAppointmentBodySchema,
  listAppointmentsQuerySchema,
  putScheduleBodySchema,
  text,
  userSearchQuerySchema,
} from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/index.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

const idParams = z.object({ id: text().min(1).max(64) });
const userIdParams = z.object({ user_id: text().min(1).max(64) });
const transitionParams = z.object({
  id: text().min(1).max(64),
  transition: z.enum(['accept', 'decline', 'cancel', 'complete', 'end']),
});

/** Appointments, schedules, the dashboards' contacts and user search. */
export function registerCareRoutes(app: FastifyInstance, core: Core): void {
  app.post('/api/appointments', async (request, reply) => {
    const actor = await requestActor(core, request);
    const input = parse(createAppointmentBodySchema, request.body);
    return reply.status(201).send({ appointment: await core.appointments.request(actor, input) });
  });

  app.get('/api/appointments', async (request) => {
    const actor = await requestActor(core, request);
    const { status } = parse(listAppointmentsQuerySchema, request.query);
    return { appointments: await core.appointments.list(actor, status) };
  });

  app.post('/api/appointments/:id/:transition', async (request) => {
    const actor = await requestActor(core, request);
    const { id, transition } = parse(transitionParams, request.params);
    return { appointment: await core.appointments.move(actor, id, transition) };
  });

  app.get('/api/blocks', async (request) => {
    const actor = await requestActor(core, request);
    return { blocks: await core.blocks.list(actor) };
  });

  app.put('/api/blocks/:user_id', async (request) => {
    const actor = await requestActor(core, request);
    const { user_id } = parse(userIdParams, request.params);
    return { block: await core.blocks.block(actor, user_id) };
  });

  app.delete('/api/blocks/:user_id', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { user_id } = parse(userIdParams, request.params);
    await core.blocks.unblock(actor, user_id);
    return reply.status(204).send();
  });

  app.get('/api/practitioners/:id/schedule', async (request) => {
    await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    return { schedule: await core.schedules.get(id) };
  });

  app.put('/api/practitioners/:id/schedule', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const body = parse(putScheduleBodySchema, request.body);
    return { schedule: await core.schedules.put(actor, id, body) };
  });

  app.get('/api/contacts', async (request) => {
    const actor = await requestActor(core, request);
    return { contacts: await core.contacts.list(actor) };
  });

  app.get('/api/users', async (request) => {
    const actor = await requestActor(core, request);
    const { query, limit } = parse(userSearchQuerySchema, request.query);
    return { users: await core.contacts.search(actor, query, limit) };
  });
}
