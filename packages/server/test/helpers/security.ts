import { randomBytes } from 'node:crypto';
import type { AuthResponse } from '@carechat/protocol';
import { type HttpResult, request, type TestUser } from './http.js';

/** Helpers for the security suites: raw requests with any header, admins, cookies. */

export const TEST_SERVER_API_KEY = 'server-api-key-server-api-key-0123456789';

/** A request with arbitrary headers (Origin, X-CSRF-Token, Cookie, …). */
export async function rawRequest<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (CSV export): the text as it is.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Every Set-Cookie of an answer, as `name -> full header`. */
export function cookiesOf(headers: Headers): Map<string, string> {
  const all = headers.getSetCookie();
  return new Map(all.map((c) => [c.slice(0, c.indexOf('=')), c]));
}

/** `name=value; name2=value2` from an answer's Set-Cookie headers. */
export function cookieHeader(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

export function cookieValue(headers: Headers, name: string): string | undefined {
  const line = headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line ? decodeURIComponent(line.slice(name.length + 1).split(';')[0] ?? '') : undefined;
}

/** Signs in again and returns the new session's tokens and cookies. */
export async function login(
  baseUrl: string,
  user: { email: string; password: string },
): Promise<{
  res: HttpResult<AuthResponse>;
  token: string;
  refreshToken: string;
  cookies: string;
  csrf: string;
}> {
  const res = await request<AuthResponse>(baseUrl, 'POST', '/api/auth/login', {
    body: { email: user.email, password: user.password },
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    res,
    token: res.body.access_token,
    refreshToken: res.body.refresh_token,
    cookies: cookieHeader(res.headers),
    csrf: cookieValue(res.headers, 'carechat_csrf') ?? '',
  };
}

/** An administrator, created through the server API (the server must have TEST_SERVER_API_KEY). */
export async function createAdmin(baseUrl: string): Promise<TestUser> {
  const externalId = `admin-${randomBytes(4).toString('hex')}`;
  const auth = { authorization: `Bearer ${TEST_SERVER_API_KEY}` };
  const put = await rawRequest<{ user: TestUser['user'] }>(
    baseUrl,
    'PUT',
    `/api/server/users/${externalId}`,
    {
      headers: auth,
      body: { name: 'Audit Admin', role: 'admin' },
    },
  );
  if (put.status !== 201) throw new Error(`admin failed: ${put.status}`);
  const minted = await rawRequest<AuthResponse>(baseUrl, 'POST', `/api/server/users/${externalId}/tokens`, {
    headers: auth,
  });
  return {
    user: minted.body.user,
    token: minted.body.access_token,
    refreshToken: minted.body.refresh_token,
    email: '',
    password: '',
    cookie: '',
  };
}

/** Percentile of a sample, in its own unit. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Polls until `check` passes or the deadline (real time) runs out. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
