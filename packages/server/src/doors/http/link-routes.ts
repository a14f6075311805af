import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RequestContext } from '../../core/actor.js';
import type { IssuedSession } from '../../core/auth.js';
import type { Core } from '../../core/index.js';
import { CONFIRM_PATH } from '../../core/signup-confirmations.js';
import { setSessionCookies } from './session-cookies.js';
import { parse } from './validate.js';

/** Where a sign-in link lands; the token is in the query, which logs never carry (log.ts). */
export const SIGN_IN_LINK_PATH = '/auth/link';

const linkQuery = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a link token'),
});

/**
 * The links that trade a one-time token for a session: a host platform's sign-in link (server
 * API) and a sign-up's confirmation link (SIGNUP_CONFIRMATION=email). The session is set as the
 * cookies a sign-in sets and the browser goes on to the web app, which restores it from its
 * cookie as on any reload.
 */
export function registerLinkRoutes(
  app: FastifyInstance,
  core: Core,
  options: { cookieSecure: boolean },
): void {
  const link = (path: string, redeem: (token: string, context: RequestContext) => Promise<IssuedSession>) =>
    app.get(path, async (request, reply) => {
      const { token } = parse(linkQuery, request.query);
      const session = await redeem(token, { door: 'http', address: request.ip });
      setSessionCookies(reply, session, options.cookieSecure);
      return reply.header('cache-control', 'no-store').redirect('/', 303);
    });
  link(SIGN_IN_LINK_PATH, (token, context) => core.signInLinks.redeem(token, context));
  link(CONFIRM_PATH, (token, context) => core.auth.confirmSignup(token, context));
}
