import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/index.js';
import { CONFIRM_PATH } from '../../core/signup-confirmations.js';
import { setSessionCookies } from './session-cookies.js';
import { parse } from './validate.js';

const confirmQuery = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a confirmation token'),
});

/**
 * Opening a sign-up's confirmation link (SIGNUP_CONFIRMATION=email): the account is made, its
 * session set as the cookies a sign-in sets, and the browser goes on to the web app.
 */
export function registerSignupConfirmationRoute(
  app: FastifyInstance,
  core: Core,
  options: { cookieSecure: boolean },
): void {
  app.get(CONFIRM_PATH, async (request, reply) => {
    const { token } = parse(confirmQuery, request.query);
    const session = await core.auth.confirmSignup(token, { door: 'http', address: request.ip });
    setSessionCookies(reply, session, options.cookieSecure);
    return reply.header('cache-control', 'no-store').redirect('/', 303);
  });
}
