import type { AuthResponse, User } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { registerUser, request } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

describe('authentication', () => {
  let server: TestServer;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    server = await startServer({ clock });
  });
  afterAll(() => server.close());

  it('registers, logs in with the password, and answers /api/me', async () => {
    const alice = await registerUser(server.url, { name: 'Alice' });
    expect(alice.user).toMatchObject({ name: 'Alice', role: 'patient', email: alice.email });
    const login = await request<AuthResponse>(server.url, 'POST', '/api/auth/login', {
      body: { email: alice.email.toUpperCase(), password: alice.password },
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/carechat_session=.*HttpOnly/i);
    const me = await request<{ user: User }>(server.url, 'GET', '/api/me', {
      token: login.body.access_token,
    });
    expect(me.body.user).toEqual({
      id: alice.user.id,
      name: 'Alice',
      role: 'patient',
      email: alice.email,
      status: 'active',
    });
  });

  it('never returns a password hash', async () => {
    const bob = await registerUser(server.url);
    const me = await request(server.url, 'GET', '/api/me', { token: bob.token });
    expect(JSON.stringify(me.body)).not.toMatch(/scrypt|password/);
  });

  it('refuses wrong credentials with invalid_credentials', async () => {
    const carol = await registerUser(server.url);
    for (const body of [
      { email: carol.email, password: 'wrong password' },
      { email: 'nobody@example.test', password: 'whatever1' },
    ]) {
      const res = await request(server.url, 'POST', '/api/auth/login', { body });
      expect(res).toMatchObject({ status: 401, body: { error: { code: 'invalid_credentials' } } });
    }
  });

  it('rejects a duplicate email with conflict and bad input with invalid_request', async () => {
    const dave = await registerUser(server.url);
    const dup = await request(server.url, 'POST', '/api/auth/register', {
      body: { email: dave.email, password: 'long enough', name: 'D', role: 'patient' },
    });
    expect(dup).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    for (const body of [
      { email: 'not-an-email', password: 'long enough', name: 'D', role: 'patient' },
      { email: 'x@example.test', password: 'short', name: 'D', role: 'patient' },
      { email: 'y@example.test', password: 'long enough', name: 'D', role: 'admin' },
      'a string',
    ]) {
      const res = await request(server.url, 'POST', '/api/auth/register', { body });
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    }
    const malformed = await request(server.url, 'POST', '/api/auth/register', { rawBody: '{"email":' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });

  it('accepts the session cookie instead of a bearer token', async () => {
    const erin = await registerUser(server.url);
    const me = await request<{ user: User }>(server.url, 'GET', '/api/me', { cookie: erin.cookie });
    expect(me.body.user.id).toBe(erin.user.id);
  });

  it('refuses missing, tampered and expired tokens with unauthenticated', async () => {
    const frank = await registerUser(server.url);
    const [header, payload, signature] = frank.token.split('.');
    const forged = Buffer.from(payload!, 'base64url').toString().replace('patient', 'admin');
    const tampered = `${header}.${Buffer.from(forged).toString('base64url')}.${signature}`;
    for (const token of [undefined, 'garbage', tampered, `${frank.token.slice(0, -2)}xx`]) {
      const res = await request(server.url, 'GET', '/api/me', token ? { token } : {});
      expect(res).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    }
    clock.advance((server.config.accessTokenTtlSeconds + 1) * 1000);
    try {
      const expired = await request(server.url, 'GET', '/api/me', { token: frank.token });
      expect(expired).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    } finally {
      clock.set(new Date());
    }
  });

  it('refresh rotates the refresh token; a retired one reused after the grace ends the session', async () => {
    const gina = await registerUser(server.url);
    const first = await request<AuthResponse>(server.url, 'POST', '/api/auth/refresh', {
      body: { refresh_token: gina.refreshToken },
    });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(gina.refreshToken);
    const me = await request<{ user: User }>(server.url, 'GET', '/api/me', {
      token: first.body.access_token,
    });
    expect(me.body.user.id).toBe(gina.user.id);
    // A second tab refreshing with the same token moments later gets the same new token.
    const secondTab = await request<AuthResponse>(server.url, 'POST', '/api/auth/refresh', {
      body: { refresh_token: gina.refreshToken },
    });
    expect(secondTab.status).toBe(200);
    expect(secondTab.body.refresh_token).toBe(first.body.refresh_token);
    clock.advance((server.config.refreshReuseGraceSeconds + 1) * 1000);
    try {
      const reused = await request(server.url, 'POST', '/api/auth/refresh', {
        body: { refresh_token: gina.refreshToken },
      });
      expect(reused).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
      // Reuse means the token was copied: the whole family is revoked, the current token too.
      const current = await request(server.url, 'POST', '/api/auth/refresh', {
        body: { refresh_token: first.body.refresh_token },
      });
      expect(current.status).toBe(401);
    } finally {
      clock.set(new Date());
    }
  });

  it('logout ends the session: its cookie and refresh token stop working', async () => {
    const hank = await registerUser(server.url);
    const out = await request(server.url, 'POST', '/api/auth/logout', { token: hank.token });
    expect(out.status).toBe(204);
    expect((await request(server.url, 'GET', '/api/me', { cookie: hank.cookie })).status).toBe(401);
    const refresh = await request(server.url, 'POST', '/api/auth/refresh', {
      body: { refresh_token: hank.refreshToken },
    });
    expect(refresh.status).toBe(401);
  });

  it('practitioner sign-up can be turned off', async () => {
    const closed = await startServer({ env: { ALLOW_PRACTITIONER_SIGNUP: 'false' } });
    try {
      const res = await request(closed.url, 'POST', '/api/auth/register', {
        body: { email: 'doc@example.test', password: 'long enough', name: 'Doc', role: 'practitioner' },
      });
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      await registerUser(closed.url, { role: 'patient' });
    } finally {
      await closed.close();
    }
  });

  it('answers /healthz and /readyz', async () => {
    expect((await request(server.url, 'GET', '/healthz')).status).toBe(200);
    expect(await request(server.url, 'GET', '/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready' },
    });
  });
});
