import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type TestUser } from '../../../packages/server/test/helpers/http.js';
import { startServer, type TestServer } from '../../../packages/server/test/helpers/server.js';
import { type Browser, buildWebApp, DESKTOP, openBrowser, signIn } from './helpers/browser.js';

/**
 * Automatic logoff: a signed-in screen left untouched for the server's idle time goes back to the
 * sign-in page, and its session no longer works. The page's clock is moved, not waited for.
 */
describe('web app automatic logoff', () => {
  let dist: string;
  let server: TestServer;
  let patient: TestUser;
  let browser: Browser;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
    await buildWebApp(dist);
    server = await startServer({ env: { WEB_DIST_DIR: dist, SESSION_IDLE_MINUTES: '1' } });
    patient = await registerUser(server.url, { role: 'patient', name: 'Idle Patient' });
    browser = await openBrowser({ viewport: DESKTOP });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  }, 60_000);

  it('signs out after the idle time without input, and not while someone is using it', async () => {
    const page = browser.page;
    await page.clock.install();
    await signIn(page, server.url, patient.email, patient.password);
    // Forty seconds, some typing, forty more: still in, because the person was active.
    await page.clock.runFor(40_000);
    await page.keyboard.press('Shift');
    await page.clock.runFor(40_000);
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
    // Then a full minute untouched: back to sign-in.
    await page.clock.runFor(61_000);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 20_000 });
    const me = await page.evaluate(
      async () => (await fetch('/api/me', { credentials: 'same-origin' })).status,
    );
    expect(me).toBe(401);
  });
});
