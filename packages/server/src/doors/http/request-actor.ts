import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../core/actor.js';
import type { Core } from '../../core/index.js';
import { authenticate, SESSION_COOKIE } from '../credentials.js';

/** The authenticated actor of an /api request: a bearer token or the session cookie. */
export function requestActor(core: Core, request: FastifyRequest): Promise<Actor> {
  return authenticate(core, {
    authorization: request.headers.authorization,
    sessionCookie: request.cookies[SESSION_COOKIE],
  });
}
