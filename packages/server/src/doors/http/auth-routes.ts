import {
  type AuthResponse,
  loginBodySchema,
  refreshBodySchema,
  registerBodySchema,
} from '@carechat/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IssuedSession } from '../../core/auth.js';
import { CoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { SESSION_COOKIE } from '../credentials.js';
import { requestActor } from './request-actor.js';
import { parse } from './validate.js';

export interface AuthRouteOptions {
  cookieSecure: boolean;
}

export function registerAuthRoutes(app: FastifyInstance, core: Core, options: AuthRouteOptions): void {
  const setSessionCookie = (reply: FastifyReply, session: IssuedSession) =>
    reply.setCookie(SESSION_COOKIE, session.refreshToken, {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.cookieSecure,
      path: '/',
      expires: new Date(session.sessionExpiresAt),
    });

  const respond = (reply: FastifyReply, session: IssuedSession, status: number) => {
    setSessionCookie(reply, session);
    const body: AuthResponse = {
      user: session.user,
      access_token: session.accessToken,
      refresh_token: session.refreshToken,
      expires_in: session.expiresIn,
    };
    return reply.status(status).send(body);
  };

  app.post('/api/auth/register', async (request, reply) => {
    const input = parse(registerBodySchema, request.body);
    return respond(reply, await core.auth.register(input), 201);
  });

  app.post('/api/auth/login', async (request, reply) => {
    const input = parse(loginBodySchema, request.body);
    return respond(reply, await core.auth.login(input.email, input.password), 200);
  });

  app.post('/api/auth/refresh', async (request, reply) => {
    const input = parse(refreshBodySchema, request.body);
    const token = input?.refresh_token ?? request.cookies[SESSION_COOKIE];
    if (!token) throw new CoreError('unauthenticated', 'No refresh token or session cookie.');
    return respond(reply, await core.auth.refresh(token), 200);
  });

  app.post('/api/auth/logout', async (request, reply) => {
    const actor = await requestActor(core, request);
    await core.auth.logout(actor.sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/me', async (request) => {
    const actor = await requestActor(core, request);
    return { user: await core.auth.me(actor) };
  });
}
