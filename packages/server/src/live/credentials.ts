import type { Actor, RequestContext } from '../core/actor.js';
import { CoreError } from '../core/errors.js';
import type { Core } from '../core/index.js';

/** The browser session cookie: holds the session's refresh token, HttpOnly. */
export const SESSION_COOKIE = 'carechat_session';

/** What a request offers to prove who it is; every door extracts these the same way. */
export interface Credentials {
  authorization?: string | undefined;
  /** `?token=` on WebSocket upgrades (what the seed 004 client sends). */
  queryToken?: string | undefined;
  sessionCookie?: string | undefined;
}

/**
 * Establishes the actor from a bearer token, a `?token=` or the session cookie, in that order.
 * Identity never comes from the request body.
 */
export async function authenticate(
  core: Pick<Core, 'auth'>,
  credentials: Credentials,
  /** The door and client address, carried on the actor into the audit trail. */
  context?: RequestContext,
): Promise<Actor> {
  const bearer = bearerToken(credentials.authorization);
  if (bearer) return core.auth.authenticateAccessToken(bearer, context);
  if (credentials.queryToken) return core.auth.authenticateAccessToken(credentials.queryToken, context);
  if (credentials.sessionCookie)
    return core.auth.authenticateSessionToken(credentials.sessionCookie, context);
  throw new CoreError('unauthenticated');
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** Reads one cookie from a raw Cookie header (for upgrades, which bypass the HTTP framework). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
