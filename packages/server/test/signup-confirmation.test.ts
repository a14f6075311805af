import type { AuditPage, AuthResponse } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ManualClock } from '../src/core/ports/clock.js';
import { DIALECTS } from './helpers/dialects.js';
import { request, type TestUser } from './helpers/http.js';
import { createAdmin, TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { type SmtpInbox, startSmtpInbox } from './helpers/smtp-inbox.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Issue 12, point 13: a sign-up does not tell whether an address has an account. With
 * SIGNUP_CONFIRMATION=email (the default once SMTP is configured) every sign-up answers the same
 * `202`; a new address gets a link that makes the account, a taken one tells its owner by email.
 */
describe.each(DIALECTS)('sign-up confirmed by email on %s', (dialect) => {
  let server: TestServer;
  let smtp: SmtpInbox;
  let admin: TestUser;
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');

  beforeAll(async () => {
    smtp = await startSmtpInbox();
    server = await startServer({
      dialect,
      clock,
      env: {
        SERVER_API_KEY: TEST_SERVER_API_KEY,
        PUBLIC_URL: 'https://care.example.test',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_TLS: 'none',
        SMTP_USER: smtp.user,
        SMTP_PASSWORD: smtp.password,
        SMTP_FROM: 'carechat <no-reply@care.example.test>',
      },
    });
    admin = await createAdmin(server.url);
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  const signUp = (email: string, name = 'Robin Example') =>
    request<{ status?: string }>(server.url, 'POST', '/api/auth/register', {
      body: { email, password: PASSWORD, name, role: 'patient' },
    });
  const logIn = (email: string) =>
    request<AuthResponse>(server.url, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
  const mailTo = async (email: string, count = 1) => {
    for (let i = 0; i < 200 && smtp.mails.filter((m) => m.to.includes(email)).length < count; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const mails = smtp.mails.filter((m) => m.to.includes(email));
    expect(mails.length).toBeGreaterThanOrEqual(count);
    return mails[count - 1]!;
  };
  const linkIn = (mail: { decoded: string }) => {
    const token = /\/auth\/confirm\?token=([A-Za-z0-9_-]+)/.exec(mail.decoded)?.[1];
    expect(token).toBeDefined();
    return `${server.url}/auth/confirm?token=${token}`;
  };

  it('answers a new address and a taken one alike, and tells each by email', async () => {
    const fresh = `new-${dialect}@example.test`;
    const taken = `taken-${dialect}@example.test`;
    await request(server.url, 'PUT', '/api/server/users/taken-owner', {
      token: TEST_SERVER_API_KEY,
      body: { name: 'Taken Owner', role: 'patient', email: taken },
    });

    const [forFresh, forTaken] = [await signUp(fresh), await signUp(taken, 'Someone Else')];
    for (const answer of [forFresh, forTaken]) {
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ status: 'confirmation_sent' });
    }
    // No account yet for the new address: the link makes it.
    expect((await logIn(fresh)).status).toBe(401);

    const confirm = await mailTo(fresh);
    expect(confirm.decoded).toContain('finish creating your carechat account');
    expect(confirm.decoded).not.toContain('Robin');
    const warning = await mailTo(taken);
    expect(warning.decoded).toContain('has one already');
    expect(warning.decoded).not.toMatch(/auth\/confirm/);
    expect(warning.decoded).not.toContain('Someone Else');

    // The link signs the new account in (session cookies), then the password works too.
    const opened = await fetch(linkIn(confirm), { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/');
    expect(opened.headers.getSetCookie().join(';')).toMatch(/carechat_session=/);
    const signedIn = await logIn(fresh);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ name: 'Robin Example', role: 'patient' });

    // Used once only.
    const again = await fetch(linkIn(confirm), { redirect: 'manual' });
    expect(again.status).toBe(401);

    // The owner's trail says someone tried, not who they said they were.
    const trail = await request<AuditPage>(
      server.url,
      'GET',
      '/api/admin/audit?action=auth.register_existing',
      {
        token: admin.token,
      },
    );
    expect(trail.body.events.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(trail.body.events)).not.toContain('Someone Else');
  });

  it('refuses an expired link, a wrong one, and one whose address got an account meanwhile', async () => {
    const late = `late-${dialect}@example.test`;
    expect((await signUp(late)).status).toBe(202);
    const lateLink = linkIn(await mailTo(late));
    clock.advance(25 * 3_600_000);
    expect((await fetch(lateLink, { redirect: 'manual' })).status).toBe(401);

    expect(
      (await fetch(`${server.url}/auth/confirm?token=${'x'.repeat(43)}`, { redirect: 'manual' })).status,
    ).toBe(401);
    expect((await fetch(`${server.url}/auth/confirm?token=bad!`, { redirect: 'manual' })).status).toBe(400);

    // Two sign-ups for one address: the first link opened makes the account, the second is refused.
    const twice = `twice-${dialect}@example.test`;
    await signUp(twice);
    await signUp(twice);
    const [first, second] = [linkIn(await mailTo(twice, 1)), linkIn(await mailTo(twice, 2))];
    expect((await fetch(second, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(first, { redirect: 'manual' })).status).toBe(401);
  });
});

describe('SIGNUP_CONFIRMATION', () => {
  const secret = { JWT_SECRET: 'x'.repeat(32) };
  const smtp = { SMTP_HOST: 'mail.example.test', SMTP_FROM: 'carechat <no-reply@example.test>' };

  it('is on once SMTP is configured, off without, and cannot be on without SMTP', () => {
    expect(loadConfig({ ...secret }).signupConfirmation).toBe('off');
    expect(loadConfig({ ...secret, ...smtp }).signupConfirmation).toBe('email');
    expect(loadConfig({ ...secret, ...smtp, SIGNUP_CONFIRMATION: 'off' }).signupConfirmation).toBe('off');
    expect(() => loadConfig({ ...secret, SIGNUP_CONFIRMATION: 'email' })).toThrow(/needs SMTP_HOST/);
  });
});
