import { CarechatError } from '@carechat/client';
import type { AuthResponse, Role, User } from '@carechat/protocol';

/**
 * Signing in from the browser. The server keeps the session in an HttpOnly cookie; the access
 * token lives only in this page's memory and is traded for a fresh one through the cookie
 * (`POST /api/auth/refresh`), on reload and whenever it expires.
 */

export interface Session {
  user: User;
  accessToken: string;
  /** The server's inactivity logoff, in seconds (0: none). */
  idleTimeoutSeconds: number;
}

const CSRF_COOKIE = 'carechat_csrf';

/** The CSRF double-submit header, when the server has set its cookie. */
function csrfHeader(): Record<string, string> {
  const value = readCookie(CSRF_COOKIE);
  return value ? { 'x-csrf-token': value } : {};
}

function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

async function post(path: string, body?: unknown, token?: string): Promise<Response> {
  try {
    return await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        ...csrfHeader(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new CarechatError('network', error instanceof Error ? error.message : 'network error');
  }
}

async function sessionFrom(response: Response): Promise<Session> {
  const body = (await response.json().catch(() => undefined)) as
    | AuthResponse
    | { error?: { code?: string; message?: string } }
    | undefined;
  if (!response.ok || !body || !('access_token' in body)) {
    const error = body && 'error' in body ? body.error : undefined;
    throw new CarechatError(
      (error?.code as CarechatError['code'] | undefined) ??
        (response.status >= 500 ? 'internal' : 'invalid_request'),
      error?.message ?? `HTTP ${response.status}`,
      response.status,
    );
  }
  return {
    user: body.user,
    accessToken: body.access_token,
    idleTimeoutSeconds: body.idle_timeout_seconds ?? 0,
  };
}

export async function logIn(email: string, password: string): Promise<Session> {
  return sessionFrom(await post('/api/auth/login', { email, password }));
}

export async function signUp(input: {
  name: string;
  email: string;
  password: string;
  role: Exclude<Role, 'admin'>;
}): Promise<Session | 'confirmation_sent'> {
  const response = await post('/api/auth/register', input);
  // A server that confirms sign-ups by email answers 202 and makes the account from the link.
  if (response.status === 202) return 'confirmation_sent';
  return sessionFrom(response);
}

/**
 * A fresh access token from the session cookie; null when there is no live session. The session
 * cookie is HttpOnly, so the page cannot see it; the CSRF cookie is set and cleared with it and
 * readable, so it is the hint: without it there is no session to resume and nothing is asked (a
 * first visit logs no 401; decision 1406). Another tab (or a second page load) may have just
 * rotated the cookie under us, which the server refuses: one retry, a moment later, reads the
 * cookie that tab left. A session the server no longer knows clears the hint, so the next load
 * is quiet too.
 */
export async function resumeSession(): Promise<Session | null> {
  if (readCookie(CSRF_COOKIE) === undefined) return null;
  for (let attempt = 0; ; attempt++) {
    const response = await post('/api/auth/refresh');
    if (response.ok) return sessionFrom(response);
    if (response.status !== 401) return sessionFrom(response);
    if (attempt >= 1) {
      forgetSessionHint();
      return null;
    }
    await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 250));
  }
}

function forgetSessionHint(): void {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser we serve
  document.cookie = `${CSRF_COOKIE}=; Max-Age=0; Path=/; SameSite=Strict${location.protocol === 'https:' ? '; Secure' : ''}`;
}

export async function logOut(token: string): Promise<void> {
  await post('/api/auth/logout', undefined, token).catch(() => undefined);
}
