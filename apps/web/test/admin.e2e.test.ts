import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { User } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../packages/server/src/core/passwords.js';
import { registerUser, request, type TestUser } from '../../../packages/server/test/helpers/http.js';
import { startServer, type TestServer } from '../../../packages/server/test/helpers/server.js';
import { seriousViolations } from './helpers/axe.js';
import { type Browser, buildWebApp, DESKTOP, openBrowser, signIn } from './helpers/browser.js';

/**
 * Issue 12, point 2: an administrator approves and rejects practitioners who signed up, in the web
 * app; until then patients do not find them.
 */
describe('web app: approving practitioners', () => {
  let dist: string;
  let server: TestServer;
  let browser: Browser;
  let patient: TestUser;
  let keen: TestUser;
  let dubious: TestUser;
  const admin = { email: 'admin@example.test', password: 'plum walrus lantern' };

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
    await buildWebApp(dist);
    server = await startServer({ env: { WEB_DIST_DIR: dist, PRACTITIONER_SIGNUP: 'pending' } });
    // Admins come from the host platform or the operator; this one is seeded directly.
    await server.store.insertUser({
      id: 'usr_admin_e2e',
      email: admin.email,
      name: 'Ada Admin',
      role: 'admin',
      passwordHash: await hashPassword(admin.password),
      createdAt: new Date().toISOString(),
    });
    [patient, keen, dubious] = await Promise.all([
      registerUser(server.url, { role: 'patient', name: 'Sam Rivera' }),
      registerUser(server.url, { role: 'practitioner', name: 'Dr. Keen Approve' }),
      registerUser(server.url, { role: 'practitioner', name: 'Dr. Dubious Reject' }),
    ]);
    browser = await openBrowser({ viewport: DESKTOP });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  }, 60_000);

  const found = async (name: string) =>
    (
      await request<{ users: User[] }>(server.url, 'GET', `/api/users?query=${encodeURIComponent(name)}`, {
        token: patient.token,
      })
    ).body.users.length;

  it('lists pending practitioners; approve and reject take effect at once', async () => {
    const page = browser.page;
    await signIn(page, server.url, admin.email, admin.password);
    const list = page.getByRole('list', { name: 'Practitioners waiting for approval' });
    await list.getByText('Dr. Keen Approve').waitFor();
    await list.getByText('Dr. Dubious Reject').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(await found('Keen Approve')).toBe(0);

    await page.getByRole('button', { name: 'Approve Dr. Keen Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Dr. Keen Approve approved.' }).waitFor();
    await list.getByText('Dr. Keen Approve').waitFor({ state: 'detached' });
    expect(await found('Keen Approve')).toBe(1);

    await page.getByRole('button', { name: 'Reject Dr. Dubious Reject' }).click();
    await page.getByText('Nobody is waiting for approval.').waitFor();
    expect(await found('Dubious Reject')).toBe(0);
    expect((await request(server.url, 'GET', '/api/me', { token: dubious.token })).status).toBe(401);
    expect((await request(server.url, 'GET', '/api/me', { token: keen.token })).status).toBe(200);
  });
});
