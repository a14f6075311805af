import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, sendHttp, type TestUser } from '../../../packages/server/test/helpers/http.js';
import { startServer, type TestServer } from '../../../packages/server/test/helpers/server.js';
import { seriousViolations } from './helpers/axe.js';
import { type Browser, buildWebApp, DESKTOP, openBrowser, PHONE, signIn } from './helpers/browser.js';
import { acceptedAppointment } from './helpers/care.js';
import { until, untilCount } from './helpers/wait.js';

/**
 * Message search in the web app (issue 14, point 6), over the server's `GET /api/search`: a
 * patient and a practitioner each find a message, from the keyboard alone, page through many
 * results, and land on the message they chose even when it is far back in the history; axe-core
 * finds no serious or critical problem on the search screen.
 */
describe('message search in Chromium', () => {
  let dist: string;
  let server: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  const browsers: Browser[] = [];

  async function browserFor(user: TestUser, viewport = DESKTOP): Promise<Page> {
    const browser = await openBrowser({ viewport });
    browsers.push(browser);
    await signIn(browser.page, server.url, user.email, user.password);
    return browser.page;
  }

  const dialog = (page: Page) => page.getByRole('dialog', { name: 'Search messages' });
  const results = (page: Page) =>
    dialog(page).getByRole('list', { name: 'Search results' }).getByRole('link');

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
    await buildWebApp(dist);
    server = await startServer({ env: { WEB_DIST_DIR: dist, MESSAGING_POLICY: 'appointment' } });
    [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner', name: 'Dr. Maya Okafor' }),
      registerUser(server.url, { role: 'patient', name: 'Sam Rivera' }),
    ]);
    const { conversationId } = await acceptedAppointment(server.url, patient, doctor);
    // The message to find is far back: more than one page of history comes after it.
    await sendHttp(server.url, patient, conversationId, 'The wombat allergy test came back negative');
    for (let i = 1; i <= 80; i++) await sendHttp(server.url, doctor, conversationId, `Checkup note ${i}`);
    await sendHttp(server.url, doctor, conversationId, 'Your prescription is ready at the pharmacy');
  }, 240_000);

  afterEach(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  }, 60_000);

  it('lets a patient find an old message from the keyboard and opens the chat on it', async () => {
    const p = await browserFor(patient);
    await p.getByRole('heading', { name: 'My appointments' }).waitFor();
    await p.keyboard.press('Control+k');
    await dialog(p).waitFor();
    const box = dialog(p).getByRole('searchbox', { name: 'Search your messages' });
    expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
    await p.keyboard.type('wombat');
    await untilCount(results(p), 1, 'one result');
    await dialog(p).getByRole('status').getByText('1 message found').waitFor();
    const result = results(p).first();
    expect(await result.textContent()).toContain('Dr. Maya Okafor');
    await result.locator('mark').getByText('wombat', { exact: true }).waitFor();

    await expectNoSeriousViolations(p, 'search with results, desktop');

    // Down to the result, Enter opens it.
    await p.keyboard.press('ArrowDown');
    expect(await result.evaluate((el) => el === document.activeElement)).toBe(true);
    await p.keyboard.press('Enter');
    await untilCount(dialog(p), 0, 'the search closed');
    await p.getByRole('heading', { name: 'Dr. Maya Okafor', level: 2 }).waitFor();
    const found = p
      .getByRole('log')
      .locator('li.msg')
      .filter({ hasText: 'The wombat allergy test came back negative' });
    await found.waitFor();
    await until(
      () =>
        found.evaluate((el) => {
          const view = el.closest('.messages')!.getBoundingClientRect();
          const r = el.getBoundingClientRect();
          return r.top >= view.top && r.bottom <= view.bottom;
        }),
      'the found message in view',
    );
  }, 120_000);

  it('lets a practitioner search too, pages through many results, says when nothing matches, and closes on Escape', async () => {
    const d = await browserFor(doctor);
    await d.getByRole('button', { name: 'Search messages' }).click();
    const box = dialog(d).getByRole('searchbox', { name: 'Search your messages' });
    await box.fill('prescription');
    await untilCount(results(d), 1, 'the prescription message');
    expect(await results(d).first().textContent()).toContain('Sam Rivera');

    await box.fill('checkup');
    await untilCount(results(d), 20, 'the first page');
    await dialog(d).getByRole('button', { name: 'More results' }).click();
    await untilCount(results(d), 40, 'the second page');

    await box.fill('zebracorn');
    await dialog(d).getByRole('status').getByText('No messages match “zebracorn”.').waitFor();
    expect(await results(d).count()).toBe(0);
    await d.keyboard.press('Escape');
    await untilCount(dialog(d), 0, 'the search closed');
    // The focus goes back to where it was.
    expect(await d.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Search messages',
    );
  }, 120_000);

  it('has no serious WCAG 2 AA violations on the search screen at phone width', async () => {
    const p = await browserFor(patient, PHONE);
    await p.getByRole('button', { name: 'Search messages' }).click();
    await dialog(p).getByRole('searchbox', { name: 'Search your messages' }).fill('wombat');
    await untilCount(results(p), 1, 'one result');
    await expectNoSeriousViolations(p, 'search with results, phone');
    await dialog(p).getByRole('searchbox', { name: 'Search your messages' }).fill('zebracorn');
    await dialog(p).getByRole('status').getByText('No messages match “zebracorn”.').waitFor();
    await expectNoSeriousViolations(p, 'search without results, phone');
  }, 120_000);
});

async function expectNoSeriousViolations(page: Page, screen: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}
