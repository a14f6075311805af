import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, sendHttp, type TestUser } from '../../../packages/server/test/helpers/http.js';
import { expectNoSeriousViolations } from './helpers/axe.js';
import { PHONE } from './helpers/browser.js';
import { acceptedAppointment } from './helpers/care.js';
import { until, untilCount } from './helpers/wait.js';
import { Browsers, startWebAppServer, type WebAppServer } from './helpers/web-server.js';

/**
 * Message search in the web app (issue 14, point 6), over the server's `GET /api/search`: a
 * patient and a practitioner each find a message, from the keyboard alone, page through many
 * results, and land on the message they chose even when it is far back in the history; axe-core
 * finds no serious or critical problem on the search screen.
 */
describe('message search in Chromium', () => {
  let web: WebAppServer;
  let url: string;
  let doctor: TestUser;
  let patient: TestUser;
  const browsers = new Browsers();
  const browserFor = (user: TestUser, viewport?: { width: number; height: number }) =>
    browsers.signedIn(url, user, viewport);

  const dialog = (page: Page) => page.getByRole('dialog', { name: 'Search messages' });
  const results = (page: Page) =>
    dialog(page).getByRole('list', { name: 'Search results' }).getByRole('link');

  beforeAll(async () => {
    web = await startWebAppServer({ MESSAGING_POLICY: 'appointment' });
    url = web.server.url;
    [doctor, patient] = await Promise.all([
      registerUser(url, { role: 'practitioner', name: 'Dr. Maya Okafor' }),
      registerUser(url, { role: 'patient', name: 'Sam Rivera' }),
    ]);
    const { conversationId } = await acceptedAppointment(url, patient, doctor);
    // The message to find is far back: more than one page of history comes after it.
    await sendHttp(url, patient, conversationId, 'The wombat allergy test came back negative');
    for (let i = 1; i <= 80; i++) await sendHttp(url, doctor, conversationId, `Checkup note ${i}`);
    await sendHttp(url, doctor, conversationId, 'Your prescription is ready at the pharmacy');
  }, 240_000);

  afterEach(() => browsers.closeAll(), 60_000);
  afterAll(() => web?.close(), 60_000);

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
