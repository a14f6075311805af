import {
  type AuthResponse,
  loginBodySchema,
  refreshBodySchema,
  registerBodySchema,
  type SignupConfirmationResponse,
} from '@carechat/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../core/actor.js';
import type { IssuedSession } from '../../core/auth.js';
import { CoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { SESSION_COOKIE } from '../../live/credentials.js';
import { CSRF_COOKIE, CSRF_HEADER } from '../csrf.js';
import { requestActor } from './request-actor.js';
import { setSessionCookies } from './session-cookies.js';
import { parse } from './validate.js';

export interface AuthRouteOptions {
  cookieSecure: boolean;
  /** Told to clients so the web app can log out after the same inactivity (0: no limit). */
  idleTimeoutSeconds?: number;
}

export function registerAuthRoutes(app: FastifyInstance, core: Core, options: AuthRouteOptions): void {
  const context = (request: FastifyRequest): RequestContext => ({ door: 'http', address: request.ip });

  const respond = (reply: FastifyReply, session: IssuedSession, status: number) => {
    setSessionCookies(reply, session, options.cookieSecure);
    const body: AuthResponse = {
      user: session.user,
      access_token: session.accessToken,
      refresh_token: session.refreshToken,
      expires_in: session.expiresIn,
      idle_timeout_seconds: options.idleTimeoutSeconds ?? 0,
    };
    return reply.status(status).header('cache-control', 'no-store').send(body);
  };

  const clearCookies = (reply: FastifyReply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
  };

  app.post('/api/auth/register', async (request, reply) => {
    const input = parse(registerBodySchema, request.body);
    const registered = await core.auth.register(input, context(request));
    if (registered === 'confirmation_sent') {
      // The same answer whether or not the address has an account (SIGNUP_CONFIRMATION=email).
      const body: SignupConfirmationResponse = { status: 'confirmation_sent' };
      return reply.status(202).header('cache-control', 'no-store').send(body);
    }
    return respond(reply, registered, 201);
  });

  app.post('/api/auth/login', async (request, reply) => {
    const input = parse(loginBodySchema, request.body);
    return respond(reply, await core.auth.login(input.email, input.password, context(request)), 200);
  });

  app.post('/api/auth/refresh', async (request, reply) => {
    const input = parse(refreshBodySchema, request.body);
    const byCookie = input?.refresh_token === undefined;
    const token = input?.refresh_token ?? request.cookies[SESSION_COOKIE];
    if (!token) throw new CoreError('unauthenticated', 'No refresh token or session cookie.');
    let csrf: string | undefined;
    if (byCookie) {
      // A refresh by cookie is a cookie-authenticated state change: the CSRF rule applies.
      const header = request.headers[CSRF_HEADER];
      csrf = typeof header === 'string' && header === request.cookies[CSRF_COOKIE] ? header : '';
    }
    return respond(reply, await core.auth.refresh(token, context(request), csrf), 200);
  });

  app.post('/api/auth/logout', async (request, reply) => {
    const actor = await requestActor(core, request);
    await core.auth.logout(actor);
    clearCookies(reply);
    return reply.status(204).send();
  });

  app.post('/api/auth/logout-all', async (request, reply) => {
    const actor = await requestActor(core, request);
    await core.auth.logoutAll(actor);
    clearCookies(reply);
    return reply.status(204).send();
  });

  app.get('/api/me', async (request) => {
    const actor = await requestActor(core, request);
    return { user: await core.auth.me(actor), settings: await core.dataRights.settings(actor) };
  });
}
