import type {
  AuditPage,
  AuthResponse,
  ServerSignInLinkResponse,
  ServerUserResponse,
} from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ManualClock } from '../src/core/ports/clock.js';
import { DIALECTS } from './helpers/dialects.js';
import { request, type TestUser } from './helpers/http.js';
import { cookiesOf, createAdmin, rawRequest, TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';

/** One-time sign-in links for a host platform's users (docs/integration.md), and framing. */
describe.each(DIALECTS)('sign-in links on %s', (dialect) => {
  let server: TestServer;
  let admin: TestUser;
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  const api = <T>(method: string, path: string, body?: unknown) =>
    request<T>(server.url, method, path, {
      ...(body === undefined ? {} : { body }),
      token: TEST_SERVER_API_KEY,
    });

  /** A host user, pushed in (no password), and a fresh link for them. */
  async function hostUserWithLink(externalId: string) {
    const pushed = await api<ServerUserResponse>('PUT', `/api/server/users/${externalId}`, {
      name: 'Hosted Patient',
      role: 'patient',
    });
    expect(pushed.status).toBe(201);
    const link = await api<ServerSignInLinkResponse>('POST', `/api/server/users/${externalId}/sign-in-links`);
    expect(link.status).toBe(201);
    return {
      user: pushed.body.user,
      link: link.body,
      path: new URL(link.body.url).pathname + new URL(link.body.url).search,
    };
  }

  /** Opens a link as a browser would, without following the redirect. */
  const open = (path: string) => fetch(`${server.url}${path}`, { redirect: 'manual' });

  const audit = async (query: string) => {
    const res = await request<AuditPage>(server.url, 'GET', `/api/admin/audit?${query}`, {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    return res.body.events;
  };

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock,
      env: { SERVER_API_KEY: TEST_SERVER_API_KEY, SIGN_IN_LINK_TTL_SECONDS: '60' },
    });
    admin = await createAdmin(server.url);
  });
  afterAll(() => server.close());

  it('opening the link sets the session cookie and goes to the app, which restores the session from it', async () => {
    const { user, link, path } = await hostUserWithLink(`link-ok-${dialect}`);
    expect(link.url).toBe(`${server.url}${path}`);
    expect(path).toMatch(/^\/auth\/link\?token=[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(link.expires_at) - clock.now().getTime()).toBe(60_000);

    const opened = await open(path);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/');
    expect(opened.headers.get('cache-control')).toBe('no-store');
    const cookies = cookiesOf(opened.headers);
    expect(cookies.get('carechat_session')).toMatch(/HttpOnly/);
    expect(cookies.get('carechat_session')).toMatch(/SameSite=Strict/);
    // What the web app does on load (apps/web/src/lib/session.ts resumeSession).
    const csrf = cookies.get('carechat_csrf')!.split(';')[0]!.split('=')[1]!;
    const session = cookies.get('carechat_session')!.split(';')[0]!;
    const refreshed = await rawRequest<AuthResponse>(server.url, 'POST', '/api/auth/refresh', {
      headers: { cookie: `${session}; carechat_csrf=${csrf}`, 'x-csrf-token': csrf },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.id).toBe(user.id);
    const me = await request<{ user: { id: string } }>(server.url, 'GET', '/api/me', {
      token: refreshed.body.access_token,
    });
    expect(me.body.user.id).toBe(user.id);
  });

  it('works once: a second opening is refused with unauthenticated and sets no cookie', async () => {
    const { path } = await hostUserWithLink(`link-once-${dialect}`);
    const [first, second] = await Promise.all([open(path), open(path)]);
    // Opened twice at once: one wins, whichever it is.
    expect([first.status, second.status].sort()).toEqual([303, 401]);
    const again = await open(path);
    expect(again.status).toBe(401);
    expect((await again.json()).error.code).toBe('unauthenticated');
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it('expires: a link opened after its lifetime is refused', async () => {
    const { path } = await hostUserWithLink(`link-late-${dialect}`);
    clock.advance(60_000);
    const late = await open(path);
    expect(late.status).toBe(401);
    expect((await late.json()).error.code).toBe('unauthenticated');
    expect(late.headers.getSetCookie()).toEqual([]);
  });

  it('a wrong token is unauthenticated, a malformed one invalid_request; neither signs anyone in', async () => {
    const wrong = await open(`/auth/link?token=${'A'.repeat(43)}`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    for (const bad of ['/auth/link', '/auth/link?token=short', `/auth/link?token=${'a'.repeat(30)}%00`]) {
      const res = await open(bad);
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe('invalid_request');
    }
  });

  it('only the host asks for links: no key is unauthenticated, an unknown user not_found', async () => {
    const noKey = await request(server.url, 'POST', '/api/server/users/anyone/sign-in-links');
    expect(noKey.status).toBe(401);
    const unknown = await api<{ error: { code: string } }>(
      'POST',
      '/api/server/users/nobody-here/sign-in-links',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('audits issuing, using and refusing a link, with the user and the reason (never the token)', async () => {
    const { user, path } = await hostUserWithLink(`link-audit-${dialect}`);
    await open(path);
    await open(path);
    const issued = await audit(`action=auth.sign_in_link_issued&target_user_id=${user.id}`);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ door: 'server_api', outcome: 'ok' });
    const used = await audit(`action=auth.sign_in_link_used&actor_id=${user.id}`);
    expect(used).toHaveLength(1);
    expect(used[0]).toMatchObject({ door: 'http', outcome: 'ok' });
    const refused = await audit(`action=auth.sign_in_link_refused&target_user_id=${user.id}`);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      outcome: 'refused',
      code: 'unauthenticated',
      detail: { reason: 'used' },
    });
    const token = new URLSearchParams(path.split('?')[1]).get('token')!;
    const everything = JSON.stringify(await audit('limit=1000'));
    expect(everything).not.toContain(token);
  });
});

describe('sign-in link addresses', () => {
  it('use PUBLIC_URL when set: the host may reach carechat on an address browsers do not', async () => {
    const server = await startServer({
      env: { SERVER_API_KEY: TEST_SERVER_API_KEY, PUBLIC_URL: 'https://chat.clinic.example/' },
    });
    try {
      const auth = { token: TEST_SERVER_API_KEY };
      await request(server.url, 'PUT', '/api/server/users/public-url', {
        ...auth,
        body: { name: 'P', role: 'patient' },
      });
      const link = await request<ServerSignInLinkResponse>(
        server.url,
        'POST',
        '/api/server/users/public-url/sign-in-links',
        auth,
      );
      expect(link.body.url).toMatch(/^https:\/\/chat\.clinic\.example\/auth\/link\?token=[A-Za-z0-9_-]{43}$/);
    } finally {
      await server.close();
    }
  });
});

describe('framing the web app (FRAME_ANCESTORS)', () => {
  it('by default nobody may frame it: CSP frame-ancestors none and X-Frame-Options DENY', async () => {
    const server = await startServer();
    try {
      const res = await fetch(`${server.url}/healthz`);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await server.close();
    }
  });

  it('the configured host origins may, and only they: no X-Frame-Options, which cannot name them', async () => {
    const server = await startServer({
      env: { FRAME_ANCESTORS: 'https://clinic.example.com, http://localhost:8080' },
    });
    try {
      const res = await fetch(`${server.url}/healthz`);
      expect(res.headers.get('content-security-policy')).toContain(
        'frame-ancestors https://clinic.example.com http://localhost:8080',
      );
      expect(res.headers.get('x-frame-options')).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('refuses anything but origins at start, naming the option', () => {
    for (const bad of [
      '*',
      'https://clinic.example.com/path',
      'clinic.example.com',
      "'self'",
      'javascript:alert(1)',
    ]) {
      expect(() => loadConfig({ FRAME_ANCESTORS: bad })).toThrow(/FRAME_ANCESTORS/);
    }
  });
});
