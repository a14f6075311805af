import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, sendHttp, type TestUser } from '../../../packages/server/test/helpers/http.js';
import { startServer, type TestServer } from '../../../packages/server/test/helpers/server.js';
import { seriousViolations } from './helpers/axe.js';
import { type Browser, buildWebApp, DESKTOP, openBrowser, PHONE, signIn } from './helpers/browser.js';
import { acceptedAppointment } from './helpers/care.js';

/**
 * Accessibility in a real browser: axe-core finds no serious or critical WCAG 2 AA problem on the
 * main screens at desktop and phone width, and a person with only a keyboard can sign in, open a
 * conversation and send a message.
 */
describe('web app accessibility in Chromium', () => {
  let dist: string;
  let server: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  let conversationId: string;
  let browser: Browser;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
    await buildWebApp(dist);
    server = await startServer({ env: { WEB_DIST_DIR: dist, MESSAGING_POLICY: 'appointment' } });
    [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner', name: 'Dr. Maya Okafor' }),
      registerUser(server.url, { role: 'patient', name: 'Sam Rivera' }),
    ]);
    ({ conversationId } = await acceptedAppointment(server.url, patient, doctor));
    await sendHttp(server.url, doctor, conversationId, 'Hello Sam, how are you feeling today?');
    browser = await openBrowser({ viewport: DESKTOP });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  }, 60_000);

  async function expectNoSeriousViolations(page: Page, screen: string): Promise<void> {
    const violations = await seriousViolations(page);
    expect(violations, `${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
  }

  it('signs in, opens the conversation and sends with the keyboard alone', async () => {
    const page = browser.page;
    await page.goto(`${server.url}/login`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectNoSeriousViolations(page, 'login');

    // Tab to each field in order; Enter submits.
    await page.keyboard.press('Tab');
    await page.keyboard.type(patient.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(patient.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'My practitioners' }).waitFor();

    // Tab until the conversation in "My chats" has the focus, then open it.
    const target = page.getByRole('link', { name: /Dr\. Maya Okafor/ }).first();
    for (let i = 0; i < 60 && !(await target.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press('Tab');
    }
    expect(await target.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dr. Maya Okafor', level: 2 }).waitFor();

    const composer = page.getByRole('textbox', { name: 'Message' });
    for (let i = 0; i < 80 && !(await composer.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('Typed with the keyboard only');
    await page.keyboard.press('Enter');
    await page.getByRole('log').getByText('Typed with the keyboard only', { exact: true }).waitFor();

    // The actions on a message are reachable too: Shift+Tab from the composer lands in them.
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await page.keyboard.press('Shift+Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Reply');
    }
    expect(reached).toBe(true);
    expect(await page.locator('.msg-actions:focus-within').isVisible()).toBe(true);
  }, 120_000);

  it('has no serious WCAG 2 AA violations on the dashboard and the chat, at desktop and phone width', async () => {
    const page = browser.page;
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: 'My appointments' }).waitFor();
      await expectNoSeriousViolations(page, `dashboard ${viewport.width}px`);
      await page.goto(`${server.url}/chat/${conversationId}`);
      await page.getByRole('log').getByText('Hello Sam, how are you feeling today?').waitFor();
      await expectNoSeriousViolations(page, `chat ${viewport.width}px`);
    }
    await page.goto(`${server.url}/chat`);
    await page.getByRole('list', { name: 'Conversations' }).waitFor();
    await expectNoSeriousViolations(page, 'conversation list at phone width');
  }, 120_000);

  it('has none on the sign-up page and the practitioner dashboard (requests, schedule editor) either', async () => {
    const other = await openBrowser({ viewport: DESKTOP });
    try {
      const page = other.page;
      await page.goto(`${server.url}/signup`);
      await page.getByRole('heading', { name: 'Create your account' }).waitFor();
      await expectNoSeriousViolations(page, 'sign-up');
      await signIn(page, server.url, doctor.email, doctor.password);
      await page.getByRole('heading', { name: 'Weekly schedule' }).waitFor();
      await page.getByRole('button', { name: 'Save schedule' }).waitFor();
      await expectNoSeriousViolations(page, 'practitioner dashboard');
    } finally {
      await other.close();
    }
  }, 120_000);
});
