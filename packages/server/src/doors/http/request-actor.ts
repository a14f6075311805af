import type { Door } from '@carechat/protocol';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../core/actor.js';
import type { Core } from '../../core/index.js';
import { authenticate, bearerToken, type Credentials, SESSION_COOKIE } from '../../live/credentials.js';
import { CSRF_COOKIE, CSRF_HEADER, checkCsrf, isUnsafeMethod } from '../csrf.js';

/**
 * The authenticated actor of an /api request: a bearer token or the session cookie. A state
 * change authenticated by the cookie must also carry the CSRF token (docs/security.md).
 */
export async function requestActor(core: Core, request: FastifyRequest, door: Door = 'http'): Promise<Actor> {
  const cookie = request.cookies[SESSION_COOKIE];
  const actor = await authenticate(
    core,
    { authorization: request.headers.authorization, sessionCookie: cookie },
    { door, address: request.ip },
  );
  if (!bearerToken(request.headers.authorization) && cookie && isUnsafeMethod(request.method)) {
    checkCsrf(
      request.headers[CSRF_HEADER],
      request.cookies[CSRF_COOKIE],
      core.auth.csrfToken(actor.sessionId),
    );
  }
  return actor;
}

/** What an /api request offers to prove who it is (a bearer token or the session cookie). */
export function requestCredentials(request: FastifyRequest): Credentials {
  return { authorization: request.headers.authorization, sessionCookie: request.cookies[SESSION_COOKIE] };
}
