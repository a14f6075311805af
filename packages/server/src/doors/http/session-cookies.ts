import type { FastifyReply } from 'fastify';
import type { IssuedSession } from '../../core/auth.js';
import { SESSION_COOKIE } from '../../live/credentials.js';
import { CSRF_COOKIE } from '../csrf.js';

/** The browser's session: the refresh token in an HttpOnly cookie, and the CSRF cookie beside it. */
export function setSessionCookies(reply: FastifyReply, session: IssuedSession, cookieSecure: boolean): void {
  const common = {
    // Strict: the session never rides on a request another site starts.
    sameSite: 'strict' as const,
    secure: cookieSecure,
    path: '/',
    expires: new Date(session.sessionExpiresAt),
  };
  reply.setCookie(SESSION_COOKIE, session.refreshToken, { ...common, httpOnly: true });
  // Readable by the page on purpose: it echoes the value in X-CSRF-Token (docs/security.md).
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
}
