import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registerUser,
  request,
  sendHttp,
  type TestUser,
} from '../../../packages/server/test/helpers/http.js';
import { startServer, type TestServer } from '../../../packages/server/test/helpers/server.js';
import {
  type Browser,
  buildWebApp,
  DESKTOP,
  openBrowser,
  PHONE,
  REPO_ROOT,
  signIn,
} from './helpers/browser.js';
import { acceptedAppointment, history } from './helpers/care.js';
import { until, untilCount } from './helpers/wait.js';

/**
 * The web app in a real browser (Debian's Chromium), against a real server on a free port with
 * the appointment policy: a practitioner and a patient, each in their own browser profile, talk
 * live; the patient goes offline and comes back; someone else cannot open their conversation.
 */

const SCREENSHOTS = join(REPO_ROOT, '.test-results/screenshots');
// A 2×2 PNG: the server decides the type from these bytes.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFElEQVR42mNk+M9QzwAEjDAGNRMAcugE/z9kbUgAAAAASUVORK5CYII=',
  'base64',
);

describe('web app in Chromium', () => {
  let dist: string;
  let server: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  let stranger: TestUser;
  let conversationId: string;
  let doctorBrowser: Browser;
  let patientBrowser: Browser;
  const browsers: Browser[] = [];

  const log = (page: Page) => page.getByRole('log');
  const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
  /** A message in the conversation, by its exact text. */
  const bubble = (page: Page, text: string) =>
    log(page)
      .locator('li.msg')
      .filter({ has: page.getByText(text, { exact: true }) });

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, name), animations: 'disabled' });
  }

  async function openChatWith(page: Page, name: string): Promise<void> {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Messages/ })
      .click();
    await page
      .getByRole('list', { name: 'Conversations' })
      .getByRole('link', { name: new RegExp(name) })
      .click();
    await page.getByRole('heading', { name, level: 2 }).waitFor();
    await composer(page).waitFor();
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
    await buildWebApp(dist);
    server = await startServer({ env: { WEB_DIST_DIR: dist, MESSAGING_POLICY: 'appointment' } });
    [doctor, patient, stranger] = await Promise.all([
      registerUser(server.url, { role: 'practitioner', name: 'Dr. Maya Okafor' }),
      registerUser(server.url, { role: 'patient', name: 'Sam Rivera' }),
      registerUser(server.url, { role: 'patient', name: 'Jordan Lee' }),
    ]);
    ({ conversationId } = await acceptedAppointment(server.url, patient, doctor));
    // Open every hour of every day, so there is always a free slot to book.
    const windows = [0, 1, 2, 3, 4, 5, 6].map((day) => ({
      day_of_week: day,
      start: '00:00',
      end: '24:00',
      timezone: 'UTC',
    }));
    await request(server.url, 'PUT', `/api/practitioners/${doctor.user.id}/schedule`, {
      token: doctor.token,
      body: { windows },
    });
    doctorBrowser = await openBrowser({ viewport: DESKTOP });
    patientBrowser = await openBrowser({ viewport: DESKTOP });
    browsers.push(doctorBrowser, patientBrowser);
  }, 240_000);

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  }, 60_000);

  it('serves the app at / and its routes, and keeps API 404s as JSON', async () => {
    const page = await fetch(`${server.url}/chat/anything`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<div id="root">');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await (await fetch(`${server.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const missing = await fetch(`${server.url}/api/no-such-route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('lets a practitioner and a patient talk live: typing, both ways, read ticks', async () => {
    const d = doctorBrowser.page;
    const p = patientBrowser.page;
    await signIn(d, server.url, doctor.email, doctor.password);
    await signIn(p, server.url, patient.email, patient.password);

    // Dashboards: the accepted appointment links them.
    await p.getByRole('heading', { name: 'My practitioners' }).waitFor();
    await p.getByRole('button', { name: 'Message Dr. Maya Okafor' }).waitFor();
    await d.getByRole('button', { name: 'Message Sam Rivera' }).waitFor();
    await shot(p, 'dashboard-patient-desktop.png');
    await shot(d, 'dashboard-practitioner-desktop.png');

    await openChatWith(d, 'Sam Rivera');
    await openChatWith(p, 'Dr. Maya Okafor');

    // The patient types: the practitioner sees it.
    await composer(p).pressSequentially('Hello doctor, a quick question');
    await d.getByTestId('typing-indicator').getByText('Sam Rivera is typing…').waitFor();
    await composer(p).press('Enter');
    await bubble(d, 'Hello doctor, a quick question').waitFor();
    // Sending takes the indicator down.
    await untilCount(d.getByTestId('typing-indicator').getByText(/is typing/), 0, 'typing indicator gone');

    // And back: Shift+Enter is a new line, Enter sends.
    await composer(d).fill('Of course.');
    await composer(d).press('Shift+Enter');
    await composer(d).pressSequentially('What is it?');
    await composer(d).press('Enter');
    await bubble(p, 'Of course.\nWhat is it?').waitFor();

    // The practitioner has the conversation open: the patient's message shows as read.
    await bubble(p, 'Hello doctor, a quick question').getByRole('img', { name: 'Read' }).waitFor();
    // And the patient has read the answer.
    await bubble(d, 'Of course.\nWhat is it?').getByRole('img', { name: 'Read' }).waitFor();
    await shot(p, 'chat-patient-desktop.png');
  }, 120_000);

  it('queues messages while the patient is offline and delivers each once when back', async () => {
    const d = doctorBrowser.page;
    const p = patientBrowser.page;
    await patientBrowser.context.setOffline(true);
    await p.getByTestId('connection-banner').getByText('You are offline').waitFor();

    await composer(p).fill('Sent while offline, first');
    await composer(p).press('Enter');
    await composer(p).fill('Sent while offline, second');
    await composer(p).press('Enter');
    await p.getByTestId('connection-banner').getByText('2 messages queued').waitFor();
    await untilCount(log(p).getByTestId('pending-state').getByText('Queued'), 2, 'two queued bubbles');
    await shot(p, 'chat-patient-offline.png');

    await patientBrowser.context.setOffline(false);
    await bubble(d, 'Sent while offline, first').waitFor({ timeout: 45_000 });
    await bubble(d, 'Sent while offline, second').waitFor({ timeout: 45_000 });
    await untilCount(p.getByTestId('connection-banner'), 0, 'the connection banner gone', 45_000);
    await untilCount(log(p).getByTestId('pending-state'), 0, 'nothing pending on the patient side');

    // Once each, on both screens and in the store, in the order they were written.
    for (const page of [d, p]) {
      expect(await bubble(page, 'Sent while offline, first').count()).toBe(1);
      expect(await bubble(page, 'Sent while offline, second').count()).toBe(1);
    }
    const stored = await history(server.url, doctor, conversationId);
    expect(stored.filter((c) => c.startsWith('Sent while offline'))).toEqual([
      'Sent while offline, first',
      'Sent while offline, second',
    ]);
    const order = await log(d).locator('li.msg .msg-text').allTextContents();
    expect(order.indexOf('Sent while offline, first')).toBeLessThan(
      order.indexOf('Sent while offline, second'),
    );
  }, 120_000);

  it('notifies of a new message while the tab is hidden, without its content, and counts it in the title', async () => {
    const d = doctorBrowser.page;
    const p = patientBrowser.page;
    await d.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await d.getByRole('heading', { name: 'Appointment requests' }).waitFor();
    // The tab goes to the background; notifications were allowed.
    await d.evaluate(() => {
      const notes: Array<{ title: string; body?: string }> = [];
      (window as unknown as { __notes: typeof notes }).__notes = notes;
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      class RecordedNotification {
        static permission = 'granted';
        onclick: (() => void) | null = null;
        constructor(title: string, options: { body?: string } = {}) {
          notes.push({ title, ...options });
        }
        close() {}
      }
      (window as unknown as { Notification: unknown }).Notification = RecordedNotification;
    });
    await composer(p).fill('Are you there, doctor?');
    await composer(p).press('Enter');
    await until(async () => (await d.title()) === '(1) carechat', 'the unread count in the title');
    const notes = await d.evaluate(() => (window as unknown as { __notes: unknown[] }).__notes);
    expect(notes).toEqual([expect.objectContaining({ title: 'New message from Sam Rivera' })]);
    expect(JSON.stringify(notes)).not.toContain('Are you there');

    // Back in front, in the chat: read, and the title says so.
    await d.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await openChatWith(d, 'Sam Rivera');
    await until(async () => (await d.title()) === 'carechat', 'no unread count in the title');
    await bubble(p, 'Are you there, doctor?').getByRole('img', { name: 'Read' }).waitFor();
  }, 90_000);

  it('stays quiet for a muted conversation: no notification, not counted in the title', async () => {
    const d = doctorBrowser.page;
    const p = patientBrowser.page;
    const bell = d.getByRole('button', { name: 'Mute notifications' });
    await bell.click();
    await d.getByRole('button', { name: 'Unmute notifications', pressed: true }).waitFor();
    await d.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await d.getByRole('heading', { name: 'My chats' }).waitFor();
    await d.evaluate(() => {
      (window as unknown as { __notes: unknown[] }).__notes.length = 0;
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    });
    await composer(p).fill('Muted but delivered');
    await composer(p).press('Enter');
    await d.getByText('Muted but delivered').waitFor();
    expect(await d.evaluate(() => (window as unknown as { __notes: unknown[] }).__notes)).toEqual([]);
    expect(await d.title()).toBe('carechat');

    await d.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await openChatWith(d, 'Sam Rivera');
    await d.getByRole('button', { name: 'Unmute notifications' }).click();
    await d.getByRole('button', { name: 'Mute notifications', pressed: false }).waitFor();
  }, 90_000);

  it('shows attachments, replies with their quote, reactions, edits and deletions on the other side', async () => {
    const d = doctorBrowser.page;
    const p = patientBrowser.page;
    await p
      .locator('input[type="file"]')
      .setInputFiles({ name: 'rash.png', mimeType: 'image/png', buffer: PNG });
    await p.getByRole('list', { name: 'Attachments to send' }).getByText('rash.png').waitFor();
    await untilCount(p.getByText('Uploading…'), 0, 'the upload done');
    await composer(p).fill('Photo from this morning');
    await composer(p).press('Enter');
    const photo = bubble(d, 'Photo from this morning');
    await photo.getByRole('img', { name: 'rash.png' }).waitFor();
    // The image is fetched with the session cookie, as a participant.
    await until(
      () =>
        photo
          .getByRole('img', { name: 'rash.png' })
          .evaluate((img) => (img as HTMLImageElement).naturalWidth > 0),
      'the image loaded',
    );

    await photo.hover();
    await photo.getByRole('button', { name: 'Reply' }).click();
    await d.getByText('Replying to Sam Rivera').waitFor();
    await composer(d).fill('Thanks, that looks mild.');
    await composer(d).press('Enter');
    const reply = bubble(p, 'Thanks, that looks mild.');
    await reply.getByRole('button', { name: /^Reply to Sam Rivera: Photo from this morning/ }).waitFor();

    await reply.hover();
    await reply.getByRole('button', { name: 'React', exact: true }).click();
    await p.getByRole('button', { name: 'React with 👍' }).click();
    await bubble(d, 'Thanks, that looks mild.')
      .getByRole('button', { name: /^👍 1\./ })
      .waitFor();
    await reply.getByRole('button', { name: /^👍 1, including you/ }).waitFor();

    const mine = bubble(d, 'Thanks, that looks mild.');
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit' }).click();
    await d.getByText('Editing your message').waitFor();
    await composer(d).fill('Thanks, that looks mild. Keep it dry.');
    await composer(d).press('Enter');
    const edited = bubble(p, 'Thanks, that looks mild. Keep it dry.');
    await edited.getByText('edited', { exact: true }).waitFor();

    await composer(d).fill('Wrong chat, sorry');
    await composer(d).press('Enter');
    await bubble(p, 'Wrong chat, sorry').waitFor();
    const wrong = bubble(d, 'Wrong chat, sorry');
    await wrong.hover();
    d.once('dialog', (dialog) => void dialog.accept());
    await wrong.getByRole('button', { name: 'Delete' }).click();
    await untilCount(log(p).getByText('Wrong chat, sorry', { exact: true }), 0, 'the deleted text gone');
    await log(p).getByText('This message was deleted').waitFor();
  }, 120_000);

  it('asks about notifications politely, once, and keeps the session and the chat across a reload', async () => {
    const p = patientBrowser.page;
    const prompt = p.getByRole('region', { name: 'Notifications' });
    await prompt.getByRole('button', { name: 'Turn on notifications' }).waitFor();
    await prompt.getByRole('button', { name: 'Not now' }).click();
    await untilCount(prompt, 0, 'the question gone');
    await p.reload();
    await bubble(p, 'Are you there, doctor?').waitFor();
    await composer(p).waitFor();
    expect(await prompt.count()).toBe(0);
  }, 60_000);

  it('loads older history when scrolled to the top, and stays at the bottom as messages arrive', async () => {
    const d = doctorBrowser.page;
    const longtime = await registerUser(server.url, { role: 'patient', name: 'Robin Long' });
    const { conversationId: long } = await acceptedAppointment(server.url, longtime, doctor);
    for (let i = 1; i <= 120; i++) await sendHttp(server.url, longtime, long, `History ${i}`);
    await d.goto(`${server.url}/chat/${long}`);
    await bubble(d, 'History 120').waitFor();
    expect(await bubble(d, 'History 1').count()).toBe(0);

    const scroller = d.locator('.messages');
    const nearBottom = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 80);
    await until(nearBottom, 'the newest message in view');
    // Scrolling up to the top brings the older pages, one after the other.
    await until(async () => {
      await scroller.evaluate((el) => {
        el.scrollTop = 0;
        el.dispatchEvent(new Event('scroll'));
      });
      return (await bubble(d, 'History 1').count()) === 1;
    }, 'the first message loaded');
    await d.getByText('This is the beginning of your conversation with Robin Long.').waitFor();
    expect(await log(d).locator('li.msg').count()).toBe(120);

    // Back at the bottom, a new message keeps the view there.
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
      el.dispatchEvent(new Event('scroll'));
    });
    await sendHttp(server.url, longtime, long, 'A new one at the bottom');
    await bubble(d, 'A new one at the bottom').waitFor();
    await until(nearBottom, 'the view following the new message');
  }, 120_000);

  it('works at phone width, one pane at a time', async () => {
    const p = patientBrowser.page;
    await p.setViewportSize(PHONE);
    await p.getByRole('button', { name: 'Back to conversations' }).waitFor();
    await until(
      async () => !(await p.locator('.chat-sidebar').isVisible()),
      'the list hidden beside the chat',
    );
    await shot(p, 'chat-patient-phone.png');
    await p.getByRole('button', { name: 'Back to conversations' }).click();
    await p.getByRole('list', { name: 'Conversations' }).waitFor();
    await until(async () => !(await p.locator('.pane').isVisible()), 'the pane hidden beside the list');
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await p.getByRole('heading', { name: 'My appointments' }).waitFor();
    await shot(p, 'dashboard-patient-phone.png');
    await p.setViewportSize(DESKTOP);
  }, 60_000);

  it('does not open the conversation for an unrelated patient who has its address', async () => {
    const browser = await openBrowser({ viewport: DESKTOP });
    browsers.push(browser);
    const page = browser.page;
    await signIn(page, server.url, stranger.email, stranger.password);
    await page.goto(`${server.url}/chat/${conversationId}`);
    await page.getByRole('alert').getByText('You cannot open this conversation').waitFor();
    expect(await page.getByText('Hello doctor, a quick question').count()).toBe(0);
    expect(await page.getByRole('log').count()).toBe(0);
    expect(await page.getByRole('list', { name: 'Conversations' }).count()).toBe(0);
  }, 60_000);

  it('signs a new patient up, books a free slot, is accepted live, sees the new chat appear and doctor_ready', async () => {
    const browser = await openBrowser({ viewport: DESKTOP });
    browsers.push(browser);
    const a = browser.page;
    const d = doctorBrowser.page;
    await d.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await d.getByRole('heading', { name: 'Appointment requests' }).waitFor();

    await a.goto(`${server.url}/signup`);
    await a.getByLabel('Full name').fill('Alex Morgan');
    await a.getByLabel('Email').fill(`alex-${Date.now()}@example.test`);
    await a.getByLabel('Password').fill('a long enough password');
    await a.getByRole('radio', { name: 'Patient' }).check();
    await a.getByRole('button', { name: 'Create account' }).click();
    await a.getByRole('heading', { name: 'Book an appointment' }).waitFor();

    await a.getByLabel('Find a practitioner').fill('Okafor');
    await a.getByRole('button', { name: 'Dr. Maya Okafor', exact: true }).click();
    await a.locator('.slot').first().click();
    await a.getByRole('button', { name: 'Request appointment' }).click();
    await a
      .getByRole('status')
      .getByText(/Requested for .*Dr\. Maya Okafor will accept or decline it/)
      .waitFor();

    // The practitioner's dashboard hears of it live and accepts.
    await d.getByRole('button', { name: /^Accept the appointment with Alex Morgan/ }).click();
    await a.getByText('Accepted', { exact: true }).waitFor();
    // Their chat appeared without a reload.
    await a.getByRole('button', { name: 'Message Dr. Maya Okafor' }).waitFor();
    // Her hours are on (every hour, here): the patient is told she is available, once.
    expect(await server.app.core.doctorReady.check(doctor.user.id)).toBeGreaterThan(0);
    const ready = a.getByRole('status').filter({ hasText: 'Dr. Maya Okafor is available now.' });
    await ready.getByRole('button', { name: 'Open chat' }).click();
    await a.getByRole('heading', { name: 'Dr. Maya Okafor', level: 2 }).waitFor();
    await untilCount(ready, 0, 'the doctor_ready banner dismissed');
    await composer(a).fill('Hello, looking forward to it.');
    await composer(a).press('Enter');
    await bubble(a, 'Hello, looking forward to it.')
      .getByRole('img', { name: /Sent|Delivered|Read/ })
      .waitFor();

    // Cancelled: the chat stays readable and says plainly why it cannot be answered.
    await a.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await a.getByRole('button', { name: /^Cancel the appointment with Dr\. Maya Okafor/ }).click();
    await untilCount(
      a.getByText('Accepted', { exact: true }),
      0,
      'the appointment gone from the upcoming list',
    );
    await a
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Messages/ })
      .click();
    await a
      .getByRole('list', { name: 'Conversations' })
      .getByRole('link', { name: /Dr\. Maya Okafor/ })
      .click();
    await a.getByRole('note').getByText('Messaging opens once the appointment is accepted').waitFor();
    await bubble(a, 'Hello, looking forward to it.').waitFor();
    expect(await composer(a).count()).toBe(0);
  }, 120_000);

  it('shows a refused send in plain words, with a way to try again or discard it', async () => {
    // The consultation policy: messages only inside the practitioner's hours, which are not now.
    const strict = await startServer({ env: { WEB_DIST_DIR: dist, MESSAGING_POLICY: 'consultation' } });
    const browser = await openBrowser({ viewport: DESKTOP });
    browsers.push(browser);
    try {
      const [dr, pt] = await Promise.all([
        registerUser(strict.url, { role: 'practitioner', name: 'Dr. Priya Nair' }),
        registerUser(strict.url, { role: 'patient', name: 'Casey Kim' }),
      ]);
      const otherDay = (new Date().getUTCDay() + 3) % 7;
      await request(strict.url, 'PUT', `/api/practitioners/${dr.user.id}/schedule`, {
        token: dr.token,
        body: { windows: [{ day_of_week: otherDay, start: '09:00', end: '10:00', timezone: 'UTC' }] },
      });
      await acceptedAppointment(strict.url, pt, dr);
      const page = browser.page;
      await signIn(page, strict.url, pt.email, pt.password);
      await openChatWith(page, 'Dr. Priya Nair');
      await composer(page).fill('Can we talk now?');
      await composer(page).press('Enter');
      const failed = bubble(page, 'Can we talk now?');
      await failed
        .getByRole('alert')
        .getByText('Your practitioner is outside their working hours right now.')
        .waitFor();
      await failed.getByRole('button', { name: 'Try again' }).click();
      await failed.getByRole('alert').waitFor();
      await failed.getByRole('button', { name: 'Discard' }).click();
      await untilCount(bubble(page, 'Can we talk now?'), 0, 'the discarded message gone');
      expect(await history(strict.url, dr, page.url().split('/').pop()!)).toEqual([]);
    } finally {
      await browser.close();
      await strict.close();
    }
  }, 120_000);
});
