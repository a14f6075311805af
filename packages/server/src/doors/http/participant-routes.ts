import { addParticipantsBodySchema, text } from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/index.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

const idParams = z.object({ id: text().min(1).max(64) });
const memberParams = z.object({ id: text().min(1).max(64), userId: text().min(1).max(64) });

/** Care-team (group) conversations gaining and losing participants. */
export function registerParticipantRoutes(app: FastifyInstance, core: Core): void {
  app.post('/api/conversations/:id/participants', async (request) => {
    const actor = await requestActor(core, request);
    const { id } = parse(idParams, request.params);
    const { user_ids } = parse(addParticipantsBodySchema, request.body);
    return { conversation: await core.membership.add(actor, id, user_ids) };
  });

  app.delete('/api/conversations/:id/participants/:userId', async (request, reply) => {
    const actor = await requestActor(core, request);
    const { id, userId } = parse(memberParams, request.params);
    await core.membership.remove(actor, id, userId);
    return reply.status(204).send();
  });
}
