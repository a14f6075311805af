import { connect } from 'node:net';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openConversation, registerUser, request, type TestUser } from './helpers/http.js';
import { cookiesOf, cookieValue, login, rawRequest } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';

const ALLOWED = 'https://clinic.example';
const EVIL = 'https://evil.example';

/** Opens a WebSocket with an Origin header; resolves with 'open' or the HTTP status it was refused with. */
function wsWithOrigin(url: string, token: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}`, origin ? { origin } : {});
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
}

describe('web hardening', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startServer({
      env: {
        CORS_ORIGINS: ALLOWED,
        COOKIE_SECURE: 'true',
        KEEP_ALIVE_TIMEOUT_MS: '1000',
        MAX_FRAME_BYTES: '2048',
      },
    });
    [alice, bob] = await Promise.all([registerUser(server.url), registerUser(server.url)]);
  });
  afterAll(() => server.close());

  it('sends a CSP, blocks framing and sniffing, and sets no referrer', async () => {
    const res = await rawRequest(server.url, 'GET', '/healthz');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
  });

  it('lets the page connect only to its own origin and the configured origins, not every socket host', async () => {
    const res = await rawRequest(server.url, 'GET', '/healthz');
    const csp = res.headers.get('content-security-policy') ?? '';
    const connectSrc = (/connect-src ([^;]*)/.exec(csp)?.[1] ?? '').split(' ');
    const host = new URL(server.url).host;
    expect(connectSrc).toEqual(["'self'", `ws://${host}`, `wss://${host}`, ALLOWED]);
    expect(connectSrc).not.toContain('ws:');
    expect(connectSrc).not.toContain('wss:');
  });

  it('sets the session cookie HttpOnly, Secure, SameSite=Strict, and the CSRF cookie readable', async () => {
    const { res } = await login(server.url, alice);
    const cookies = cookiesOf(res.headers);
    const session = cookies.get('carechat_session') ?? '';
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/Secure/i);
    expect(session).toMatch(/SameSite=Strict/i);
    const csrf = cookies.get('carechat_csrf') ?? '';
    expect(csrf).toMatch(/Secure/i);
    expect(csrf).toMatch(/SameSite=Strict/i);
    expect(csrf).not.toMatch(/HttpOnly/i);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses cookie-authenticated state changes without the CSRF token, and stores nothing', async () => {
    const session = await login(server.url, alice);
    const conversation = await openConversation(server.url, alice, bob);
    const path = `/api/conversations/${conversation.id}/messages`;
    const body = { client_msg_id: 'csrf-1', content: 'from a forged form' };
    const attempts: Array<Record<string, string>> = [
      { cookie: session.cookies },
      { cookie: session.cookies, 'x-csrf-token': 'wrong' },
      // A cookie planted by a sibling site with a matching header still does not fit the session.
      {
        cookie: `${session.cookies.replace(/carechat_csrf=[^;]*/, 'carechat_csrf=planted')}`,
        'x-csrf-token': 'planted',
      },
    ];
    for (const headers of attempts) {
      const res = await rawRequest(server.url, 'POST', path, { headers, body });
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    }
    const history = await request<{ messages: unknown[] }>(server.url, 'GET', path, { token: bob.token });
    expect(history.body.messages).toHaveLength(0);
    // Reads need no token; with it, the change goes through; bearer requests are exempt.
    expect((await rawRequest(server.url, 'GET', path, { headers: { cookie: session.cookies } })).status).toBe(
      200,
    );
    const ok = await rawRequest(server.url, 'POST', path, {
      headers: { cookie: session.cookies, 'x-csrf-token': session.csrf },
      body,
    });
    expect(ok.status).toBe(201);
    const bearer = await rawRequest(server.url, 'POST', path, {
      headers: { authorization: `Bearer ${session.token}` },
      body: { client_msg_id: 'csrf-2', content: 'api client' },
    });
    expect(bearer.status).toBe(201);
  });

  it('needs the CSRF token to refresh or log out by cookie', async () => {
    const session = await login(server.url, alice);
    const without = await rawRequest(server.url, 'POST', '/api/auth/refresh', {
      headers: { cookie: session.cookies },
    });
    expect(without.status).toBe(403);
    const refreshed = await rawRequest(server.url, 'POST', '/api/auth/refresh', {
      headers: { cookie: session.cookies, 'x-csrf-token': session.csrf },
    });
    expect(refreshed.status).toBe(200);
    // Refresh sets both cookies again; the CSRF token stays the session's.
    expect(cookieValue(refreshed.headers, 'carechat_csrf')).toBe(session.csrf);
    const cookies = `carechat_session=${cookieValue(refreshed.headers, 'carechat_session')}; carechat_csrf=${session.csrf}`;
    expect(
      (await rawRequest(server.url, 'POST', '/api/auth/logout', { headers: { cookie: cookies } })).status,
    ).toBe(403);
    const out = await rawRequest(server.url, 'POST', '/api/auth/logout', {
      headers: { cookie: cookies, 'x-csrf-token': session.csrf },
    });
    expect(out.status).toBe(204);
  });

  it('answers CORS only for the allowlisted origins', async () => {
    const allowed = await rawRequest(server.url, 'GET', '/healthz', { headers: { origin: ALLOWED } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await rawRequest(server.url, 'GET', '/healthz', { headers: { origin: EVIL } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await rawRequest(server.url, 'OPTIONS', '/api/conversations', {
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-csrf-token',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-csrf-token/);
  });

  it('checks the WebSocket and Socket.IO Origin against the allowlist', async () => {
    const url = `${server.wsUrl}/ws`;
    const host = new URL(server.url).host;
    expect(await wsWithOrigin(url, alice.token, EVIL)).toBe(403);
    expect(await wsWithOrigin(url, alice.token, 'null')).toBe(403);
    expect(await wsWithOrigin(url, alice.token, ALLOWED)).toBe('open');
    expect(await wsWithOrigin(url, alice.token, `http://${host}`)).toBe('open');
    expect(await wsWithOrigin(url, alice.token)).toBe('open');

    const refused = await new Promise<string>((resolve) => {
      const socket = io(server.url, {
        transports: ['polling'],
        extraHeaders: { origin: EVIL },
        auth: { token: alice.token },
        reconnection: false,
        forceNew: true,
      });
      socket.on('connect', () => {
        socket.close();
        resolve('connected');
      });
      socket.on('connect_error', () => {
        socket.close();
        resolve('refused');
      });
    });
    expect(refused).toBe('refused');
  });

  it('limits request bodies and frames', async () => {
    const big = await rawRequest(server.url, 'POST', '/api/auth/login', {
      body: { email: 'x@example.test', password: 'y'.repeat(200_000) },
    });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'message_too_large' } } });
    const closed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.wsUrl}/ws?token=${alice.token}`);
      ws.once('open', () => ws.send('x'.repeat(4096)));
      ws.once('close', (code) => resolve(code));
    });
    expect(closed).toBe(1009);
  });

  it('closes an idle keep-alive connection', async () => {
    const { port } = new URL(server.url);
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let answeredAt = 0;
      socket.on('data', () => {
        answeredAt ||= Date.now();
      });
      socket.on('close', () => resolve(Date.now() - answeredAt));
      socket.on('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    });
    expect(closedAfter).toBeGreaterThanOrEqual(500);
    expect(closedAfter).toBeLessThan(5000);
  });
});
