import { createHash, timingSafeEqual } from 'node:crypto';
import {
  externalIdSchema,
  putScheduleBodySchema,
  type ServerSignInLinkResponse,
  type ServerTokenResponse,
  type ServerUserResponse,
  serverAppointmentBodySchema,
  serverUserBodySchema,
} from '@carechat/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RequestContext } from '../../core/actor.js';
import { CoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { toWireUser } from '../../core/users.js';
import { SIGN_IN_LINK_PATH } from './link-routes.js';
import { parse } from './validate.js';

const externalParams = z.object({ externalId: externalIdSchema });

/**
 * The server API for host platforms: `Authorization: Bearer <SERVER_API_KEY>`. Only registered
 * when the key is configured. Users and appointments are named by the host's own ids.
 */
export function registerServerApiRoutes(
  app: FastifyInstance,
  core: Core,
  serverApiKey: string,
  options: { publicUrl?: string | undefined } = {},
): void {
  const expected = digest(serverApiKey);
  const requireKey = (request: FastifyRequest) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization?.trim() ?? '');
    // Compare digests in constant time: the key is never matched byte by byte.
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new CoreError('unauthenticated', 'The server API needs the server API key.');
    }
  };
  // The system acts here, not a user: the email is shown as an admin would see it.
  const system = { userId: '', role: 'admin' as const };

  app.put('/api/server/users/:externalId', async (request, reply) => {
    requireKey(request);
    const { externalId } = parse(externalParams, request.params);
    const body = parse(serverUserBodySchema, request.body);
    const { user, created } = await core.hostPlatform.upsertUser(externalId, body, serverApi(request));
    const response: ServerUserResponse = { user: toWireUser(user, system), external_id: externalId, created };
    return reply.status(created ? 201 : 200).send(response);
  });

  app.put('/api/server/practitioners/:externalId/schedule', async (request) => {
    requireKey(request);
    const { externalId } = parse(externalParams, request.params);
    const body = parse(putScheduleBodySchema, request.body);
    return { schedule: await core.hostPlatform.putSchedule(externalId, body) };
  });

  app.put('/api/server/appointments/:externalId', async (request) => {
    requireKey(request);
    const { externalId } = parse(externalParams, request.params);
    const body = parse(serverAppointmentBodySchema, request.body);
    return {
      appointment: await core.hostPlatform.upsertAppointment(externalId, body, serverApi(request)),
    };
  });

  app.post('/api/server/users/:externalId/tokens', async (request, reply) => {
    requireKey(request);
    const { externalId } = parse(externalParams, request.params);
    const session = await core.hostPlatform.mintToken(externalId, serverApi(request));
    const response: ServerTokenResponse = {
      user: session.user,
      access_token: session.accessToken,
      refresh_token: session.refreshToken,
      expires_in: session.expiresIn,
      csrf_token: session.csrfToken,
    };
    return reply.status(201).send(response);
  });

  app.post('/api/server/users/:externalId/sign-in-links', async (request, reply) => {
    requireKey(request);
    const { externalId } = parse(externalParams, request.params);
    const link = await core.hostPlatform.createSignInLink(externalId, {
      door: 'server_api',
      address: request.ip,
    });
    // The address browsers use, which the host's server (on an internal one) may not share.
    const origin = options.publicUrl ?? `${request.protocol}://${request.host}`;
    const response: ServerSignInLinkResponse = {
      url: `${origin}${SIGN_IN_LINK_PATH}?token=${link.token}`,
      expires_at: link.expiresAt,
    };
    return reply.status(201).header('cache-control', 'no-store').send(response);
  });
}

/** Who the server API's writes are recorded as: the door and the host's address. */
function serverApi(request: FastifyRequest): RequestContext {
  return { door: 'server_api', address: request.ip };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
