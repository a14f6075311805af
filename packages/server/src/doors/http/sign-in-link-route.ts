import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/index.js';
import { setSessionCookies } from './session-cookies.js';
import { parse } from './validate.js';

/** Where a sign-in link lands; the token is in the query, which logs never carry (log.ts). */
export const SIGN_IN_LINK_PATH = '/auth/link';

const linkQuery = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a sign-in link token'),
});

/**
 * Opening a one-time sign-in link (made by the server API for a host platform's user): the token
 * is traded for a session, set as the same cookies a sign-in sets, and the browser goes on to the
 * web app, which restores the session from its cookie as on any reload.
 */
export function registerSignInLinkRoute(
  app: FastifyInstance,
  core: Core,
  options: { cookieSecure: boolean },
): void {
  app.get(SIGN_IN_LINK_PATH, async (request, reply) => {
    const { token } = parse(linkQuery, request.query);
    const session = await core.signInLinks.redeem(token, { door: 'http', address: request.ip });
    setSessionCookies(reply, session, options.cookieSecure);
    return reply.header('cache-control', 'no-store').redirect('/', 303);
  });
}
